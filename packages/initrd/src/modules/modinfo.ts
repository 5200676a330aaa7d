import { ET_REL, readFileHeader } from '../elf/file-header.js';
import { readSectionHeaders, sectionContents } from '../elf/section-header.js';
import { InitrdError } from '../errors.js';

/**
 * A kernel module's `.modinfo` section: NUL-separated `key=value` strings written by
 * MODULE_INFO() and modpost (`name=`, `depends=a,b`, `alias=...`, `softdep=pre: x`).
 */
export interface ModuleInfo {
  /** Module name with '-' as '_' (the kernel's and modprobe's spelling). */
  name: string;
  depends: string[];
  aliases: string[];
  softdeps: string[];
}

export const canonicalModuleName = (name: string): string => name.replace(/-/g, '_');

/** The name modprobe uses for a path such as kernel/lib/crc-t10dif.ko. */
export function moduleNameFromPath(path: string): string {
  const base = path.slice(path.lastIndexOf('/') + 1).replace(/\.ko(\.(xz|gz|zst))?$/, '');
  return canonicalModuleName(base);
}

export function readModinfo(bytes: Uint8Array, path: string): ModuleInfo {
  const header = readFileHeader(bytes, path);
  if (header.type !== ET_REL) {
    throw new InitrdError(
      'MODULE_UNSUPPORTED',
      `${path} is not a kernel module (ELF type ${header.type}, expected relocatable)`,
      'give the .ko file',
    );
  }
  const section = sectionContents(bytes, readSectionHeaders(bytes, header, path), '.modinfo');
  const info: ModuleInfo = {
    name: moduleNameFromPath(path),
    depends: [],
    aliases: [],
    softdeps: [],
  };
  if (!section) return info;
  for (const item of Buffer.from(section).toString('utf8').split('\0')) {
    const eq = item.indexOf('=');
    if (eq <= 0) continue;
    const key = item.slice(0, eq);
    const value = item.slice(eq + 1);
    if (key === 'name') info.name = canonicalModuleName(value);
    else if (key === 'depends')
      info.depends.push(...value.split(',').filter(Boolean).map(canonicalModuleName));
    else if (key === 'alias') info.aliases.push(value);
    else if (key === 'softdep') info.softdeps.push(value);
  }
  return info;
}
