import { KernelFetchError } from './errors.js';
import { moduleNameFromPath, normalizeModuleName } from './module-name.js';

/** One loadable module of the tree. */
export interface ModuleInfo {
  /** Canonical name ('_' for '-'), e.g. `crc_t10dif`. */
  name: string;
  /** Path relative to the modules directory, e.g. `kernel/lib/crc-t10dif.ko`. */
  path: string;
  /** Hard dependencies (names), transitive, in modules.dep order: modprobe loads them last to first. */
  deps: string[];
}

export interface ModuleAlias {
  /** fnmatch-style pattern, e.g. `pci:v00001AF4d00001001sv*sd*bc*sc*i*` or `fs-ext4`. */
  pattern: string;
  module: string;
}

export interface SoftDep {
  pre: string[];
  post: string[];
}

/** The module index of one kernel: what depmod writes to modules.{dep,alias,softdep,builtin}. */
export interface ModuleIndex {
  /** Absolute path of `lib/modules/<version>`. */
  modulesDir: string;
  modules: Map<string, ModuleInfo>;
  aliases: ModuleAlias[];
  /** Names of modules compiled into the kernel (modules.builtin). */
  builtin: Set<string>;
  /** Aliases of built-in modules (from modules.builtin.modinfo), as depmod's modules.builtin.alias. */
  builtinAliases: ModuleAlias[];
  softdeps: Map<string, SoftDep>;
  /** Where modules.dep came from: the tree's own file, or computed from each module's .modinfo. */
  source: 'modules.dep' | 'modinfo';
}

const lines = (text: string): string[] =>
  text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));

function bad(file: string, line: string): never {
  throw new KernelFetchError(
    'MODULE_INDEX',
    `${file}: malformed line ${JSON.stringify(line)}`,
    'regenerate the file with depmod, or remove it so ucvm computes it',
  );
}

/** modules.dep: `kernel/fs/ext4/ext4.ko: kernel/lib/crc16.ko kernel/fs/mbcache.ko …` */
export function parseModulesDep(text: string): Map<string, ModuleInfo> {
  const modules = new Map<string, ModuleInfo>();
  for (const line of lines(text)) {
    const colon = line.indexOf(':');
    if (colon <= 0) bad('modules.dep', line);
    const path = line.slice(0, colon);
    const deps = line
      .slice(colon + 1)
      .split(/\s+/)
      .filter(Boolean)
      .map(moduleNameFromPath);
    const name = moduleNameFromPath(path);
    if (!modules.has(name)) modules.set(name, { name, path, deps });
  }
  return modules;
}

export function formatModulesDep(index: ModuleIndex): string {
  const pathOf = (name: string): string => index.modules.get(name)?.path ?? name;
  return [...index.modules.values()]
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
    .map((m) => `${m.path}:${m.deps.map((d) => ` ${pathOf(d)}`).join('')}\n`)
    .join('');
}

/** modules.alias: `alias PATTERN MODULE`. */
export function parseModulesAlias(text: string): ModuleAlias[] {
  return lines(text).map((line) => {
    const [word, pattern, module, extra] = line.split(/\s+/);
    if (word !== 'alias' || pattern === undefined || module === undefined || extra !== undefined)
      bad('modules.alias', line);
    return { pattern, module: normalizeModuleName(module) };
  });
}

export function formatModulesAlias(aliases: ModuleAlias[]): string {
  return aliases.map((a) => `alias ${a.pattern} ${a.module}\n`).join('');
}

/** A softdep specification `pre: a b post: c` (modinfo) into its lists (merged into `into`). */
export function parseSoftdepSpec(spec: string, into: SoftDep = { pre: [], post: [] }): SoftDep {
  let list: string[] | undefined;
  for (const word of spec.split(/\s+/).filter(Boolean)) {
    if (word === 'pre:') list = into.pre;
    else if (word === 'post:') list = into.post;
    else list?.push(word); // words before "pre:"/"post:" are ignored, as kmod does (cifs has some)
  }
  return into;
}

/** modules.softdep: `softdep MODULE pre: a b post: c`. */
export function parseModulesSoftdep(text: string): Map<string, SoftDep> {
  const softdeps = new Map<string, SoftDep>();
  for (const line of lines(text)) {
    const match = /^softdep\s+(\S+)\s+(.*)$/.exec(line);
    if (match === null) bad('modules.softdep', line);
    const name = normalizeModuleName(match[1] as string);
    softdeps.set(name, parseSoftdepSpec(match[2] as string, softdeps.get(name)));
  }
  return softdeps;
}

export function formatModulesSoftdep(softdeps: Map<string, SoftDep>): string {
  return [...softdeps.keys()]
    .sort()
    .map((name) => {
      const s = softdeps.get(name) as SoftDep;
      const pre = s.pre.length ? ` pre: ${s.pre.join(' ')}` : '';
      const post = s.post.length ? ` post: ${s.post.join(' ')}` : '';
      return `softdep ${name}${pre}${post}\n`;
    })
    .join('');
}

/** modules.builtin: one `kernel/…/x.ko` path per built-in module. */
export function parseModulesBuiltin(text: string): Set<string> {
  return new Set(lines(text).map(moduleNameFromPath));
}

/** modules.builtin.modinfo: NUL-separated `module.key=value`; returns the `alias` entries. */
export function parseBuiltinModinfo(bytes: Uint8Array): ModuleAlias[] {
  const aliases: ModuleAlias[] = [];
  for (const text of new TextDecoder().decode(bytes).split('\0')) {
    const match = /^([^.=]+)\.alias=(.+)$/.exec(text);
    if (match)
      aliases.push({
        pattern: match[2] as string,
        module: normalizeModuleName(match[1] as string),
      });
  }
  return aliases;
}
