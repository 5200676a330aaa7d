import { InitrdError } from '../errors.js';
import type { ModuleInfo } from './modinfo.js';

/** One module of the subset: its path under lib/modules/<version>/ and its .modinfo. */
export interface SubsetModule {
  path: string;
  info: ModuleInfo;
}

/**
 * The text index files depmod(8) writes, regenerated for the modules in the initrd (build.md
 * §5). Busybox modprobe 1.35 reads only the text forms: modules.dep for hard dependencies and
 * modules.alias for request_module() names such as crypto-crc32c (image-recipes.md §7.3); it
 * needs no .bin files. Lines follow the order the modules were given, so the output is stable.
 */
export interface ModuleIndexes {
  'modules.dep': string;
  'modules.alias': string;
  'modules.softdep': string;
  'modules.order': string;
}

export function generateModuleIndexes(modules: readonly SubsetModule[]): ModuleIndexes {
  const byName = new Map<string, SubsetModule>();
  for (const m of modules) {
    if (byName.has(m.info.name)) {
      throw new InitrdError(
        'MODULE_UNSUPPORTED',
        `module ${m.info.name} is given twice (${byName.get(m.info.name)?.path} and ${m.path})`,
        'give each module once',
        2,
      );
    }
    byName.set(m.info.name, m);
  }
  const dep: string[] = [];
  for (const m of modules) {
    // depmod order: a module's dependencies listed so that the LAST must be loaded first;
    // modprobe loads the list back to front and the module itself last.
    const loadOrder: string[] = [];
    const state = new Map<string, 'visiting' | 'done'>();
    const visit = (name: string, from: string): void => {
      const s = state.get(name);
      if (s === 'done') return;
      if (s === 'visiting') {
        throw new InitrdError(
          'MODULE_UNSUPPORTED',
          `modules ${from} and ${name} depend on each other`,
          'check the kernel module tree',
          1,
        );
      }
      const dm = byName.get(name);
      if (!dm) {
        throw new InitrdError(
          'MODULE_DEPENDENCY_MISSING',
          `module ${from} depends on ${name}, which is not in the initrd's module list`,
          `add ${name} (take the list from moduleClosure())`,
          2,
        );
      }
      state.set(name, 'visiting');
      for (const d of dm.info.depends) visit(d, name);
      state.set(name, 'done');
      loadOrder.push(name);
    };
    for (const d of m.info.depends) visit(d, m.info.name);
    const deps = loadOrder.reverse().map((n) => (byName.get(n) as SubsetModule).path);
    dep.push(`${m.path}:${deps.length > 0 ? ` ${deps.join(' ')}` : ''}`);
  }
  const alias = ['# Aliases extracted from modules themselves.'];
  const softdep = ['# Soft dependencies extracted from modules themselves.'];
  for (const m of modules) {
    for (const a of m.info.aliases) alias.push(`alias ${a} ${m.info.name}`);
    for (const s of m.info.softdeps) softdep.push(`softdep ${m.info.name} ${s}`);
  }
  const lines = (xs: string[]) => (xs.length > 0 ? `${xs.join('\n')}\n` : '');
  return {
    'modules.dep': lines(dep),
    'modules.alias': lines(alias),
    'modules.softdep': lines(softdep),
    'modules.order': lines(modules.map((m) => m.path)),
  };
}
