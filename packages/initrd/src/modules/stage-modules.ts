import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { InitrdError } from '../errors.js';
import { normalizeRootPath } from '../tree/lookup.js';
import type { Staging } from '../tree/staging.js';
import { generateModuleIndexes, type SubsetModule } from './indexes.js';
import { readModinfo } from './modinfo.js';

/** The parts of a fetched kernel the initrd needs (structurally a @ucvm/kernel-fetch kernel). */
export interface KernelModulesSource {
  /** `uname -r`, e.g. "6.1.0-56-amd64". */
  version: string;
  /** Host directory that is lib/modules/<version>/ of the kernel. */
  modulesDir: string;
}

/** A module to include: its path under modulesDir, e.g. "kernel/fs/ext4/ext4.ko". */
export type ModuleSelection = string | { path: string };

export interface StagedModules {
  version: string;
  /** Module names in the order given (the load order of moduleClosure()). */
  names: string[];
  bytes: number;
}

/**
 * Copies the selected modules to lib/modules/<version>/ and writes modules.dep, .alias,
 * .softdep, .order for exactly that subset, plus the kernel's modules.builtin, so busybox
 * `modprobe NAME` works in the initrd.
 */
export async function stageModules(
  staging: Staging,
  kernel: KernelModulesSource,
  modules: readonly ModuleSelection[],
  component = 'kernel-modules',
): Promise<StagedModules> {
  if (!/^[A-Za-z0-9._+-]+$/.test(kernel.version)) {
    throw new InitrdError(
      'BAD_OPTION',
      `kernel version ${JSON.stringify(kernel.version)} is not a uname -r string`,
      'give the version the kernel reports',
      2,
    );
  }
  const base = `lib/modules/${kernel.version}`;
  const subset: SubsetModule[] = [];
  let bytes = 0;
  for (const sel of modules) {
    const path = normalizeRootPath(typeof sel === 'string' ? sel : sel.path);
    if (/\.ko\.(xz|gz|zst)$/.test(path)) {
      throw new InitrdError(
        'MODULE_UNSUPPORTED',
        `module ${path} is compressed`,
        'use a kernel built with MODULE_COMPRESS_NONE (Debian 12 is)',
        2,
      );
    }
    const host = join(kernel.modulesDir, path);
    const data = await readFile(host).catch(() => undefined);
    if (!data) {
      throw new InitrdError(
        'MODULE_NOT_FOUND',
        `module ${path} is not in ${kernel.modulesDir}`,
        'take module paths from the kernel index of the same kernel version',
        2,
      );
    }
    const mtime = Math.floor((await stat(host)).mtimeMs / 1000);
    subset.push({ path, info: readModinfo(data, path) });
    staging.add({ kind: 'file', path: `${base}/${path}`, mode: 0o644, data, mtime, component });
    bytes += data.length;
  }
  const indexes = generateModuleIndexes(subset);
  const builtin = await readFile(join(kernel.modulesDir, 'modules.builtin')).catch(() =>
    Buffer.alloc(0),
  );
  const generated: [string, Uint8Array][] = [
    ...Object.entries(indexes).map(([name, text]): [string, Uint8Array] => [
      name,
      Buffer.from(text),
    ]),
    ['modules.builtin', builtin],
  ];
  for (const [name, data] of generated) {
    staging.set({ kind: 'file', path: `${base}/${name}`, mode: 0o644, data, component });
    bytes += data.length;
  }
  return { version: kernel.version, names: subset.map((m) => m.info.name), bytes };
}
