import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { decompress } from '@ucvm/components';
import { readModinfo } from './elf-modinfo.js';
import { KernelFetchError } from './errors.js';
import type { ModuleAlias, ModuleInfo, SoftDep } from './module-index.js';
import { parseSoftdepSpec } from './module-index.js';
import { MODULE_FILE, moduleNameFromPath, normalizeModuleName } from './module-name.js';

/** Every module file below modulesDir, relative paths, sorted (never readdir order). */
export async function listModuleFiles(modulesDir: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    const entries = await readdir(join(modulesDir, rel), { withFileTypes: true });
    for (const e of entries) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) await walk(r);
      else if ((e.isFile() || e.isSymbolicLink()) && MODULE_FILE.test(e.name)) found.push(r);
    }
  };
  await walk('');
  return found.sort();
}

export interface ComputedIndex {
  modules: Map<string, ModuleInfo>;
  aliases: ModuleAlias[];
  softdeps: Map<string, SoftDep>;
}

/**
 * What `depmod` computes, from each module's `.modinfo` (depends=, alias=, softdep=) instead of
 * its symbol tables: Debian's linux-image packages ship no modules.dep (image-recipes §7), and
 * the `depends=` field that modpost writes is exactly the module's direct hard dependencies.
 * A module under `updates/` wins over one of the same name elsewhere (depmod's default search).
 */
export async function computeModuleIndex(modulesDir: string): Promise<ComputedIndex> {
  const files = await listModuleFiles(modulesDir);
  const direct = new Map<string, string[]>();
  const paths = new Map<string, string>();
  const aliases: ModuleAlias[] = [];
  const softdeps = new Map<string, SoftDep>();
  const ordered = [
    ...files.filter((f) => f.startsWith('updates/')),
    ...files.filter((f) => !f.startsWith('updates/')),
  ];
  for (const path of ordered) {
    const raw = await readFile(join(modulesDir, path));
    const ko = path.endsWith('.ko') ? raw : await decompress(raw, join(modulesDir, path));
    const info = readModinfo(ko, join(modulesDir, path));
    const name = normalizeModuleName(
      info.find(([k]) => k === 'name')?.[1] ?? moduleNameFromPath(path),
    );
    if (paths.has(name)) continue;
    paths.set(name, path);
    const depends = info.find(([k]) => k === 'depends')?.[1] ?? '';
    direct.set(name, depends.split(',').filter(Boolean).map(normalizeModuleName));
    for (const [key, value] of info) {
      if (key === 'alias') aliases.push({ pattern: value, module: name });
      if (key === 'softdep') softdeps.set(name, parseSoftdepSpec(value, softdeps.get(name)));
    }
  }
  const modules = new Map<string, ModuleInfo>();
  for (const name of [...paths.keys()].sort()) {
    modules.set(name, {
      name,
      path: paths.get(name) as string,
      deps: transitiveDeps(name, direct),
    });
  }
  return { modules, aliases, softdeps };
}

/** Transitive hard deps in depmod's order: reversed load order (dependencies load first). */
function transitiveDeps(root: string, direct: Map<string, string[]>): string[] {
  const loadOrder: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, chain: string[]): void => {
    if (state.get(name) === 'done') return;
    if (state.get(name) === 'visiting') {
      throw new KernelFetchError(
        'MODULE_CYCLE',
        `module dependency cycle: ${[...chain, name].join(' → ')}`,
        'the module tree is inconsistent; use the kernel package as built',
      );
    }
    const deps = direct.get(name);
    if (deps === undefined) {
      throw new KernelFetchError(
        'MODULE_UNKNOWN',
        `module ${chain.at(-1) ?? root} depends on ${JSON.stringify(name)}, which is not in the tree`,
        'the module tree is incomplete; unpack the whole kernel package',
      );
    }
    state.set(name, 'visiting');
    for (const dep of [...deps].sort()) visit(dep, [...chain, name]);
    state.set(name, 'done');
    if (name !== root) loadOrder.push(name);
  };
  visit(root, []);
  return loadOrder.reverse();
}
