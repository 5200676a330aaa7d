import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { computeModuleIndex } from './depmod.js';
import type { ModuleIndex } from './module-index.js';
import {
  parseBuiltinModinfo,
  parseModulesAlias,
  parseModulesBuiltin,
  parseModulesDep,
  parseModulesSoftdep,
} from './module-index.js';

async function readOptional(path: string): Promise<Buffer | undefined> {
  try {
    return await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * The module index of `lib/modules/<version>`: modules.dep/.alias/.softdep as the tree has
 * them (written by depmod), or, when modules.dep is absent (Debian packages: depmod runs in
 * postinst), computed from the modules' .modinfo. modules.builtin(.modinfo) are read as shipped.
 */
export async function loadModuleIndex(modulesDir: string): Promise<ModuleIndex> {
  const builtinText = await readOptional(join(modulesDir, 'modules.builtin'));
  const builtinModinfo = await readOptional(join(modulesDir, 'modules.builtin.modinfo'));
  const builtin = builtinText
    ? parseModulesBuiltin(builtinText.toString('utf8'))
    : new Set<string>();
  const builtinAliases = builtinModinfo ? parseBuiltinModinfo(builtinModinfo) : [];
  const depText = await readOptional(join(modulesDir, 'modules.dep'));
  if (depText !== undefined) {
    const aliasText = await readOptional(join(modulesDir, 'modules.alias'));
    const softdepText = await readOptional(join(modulesDir, 'modules.softdep'));
    return {
      modulesDir,
      modules: parseModulesDep(depText.toString('utf8')),
      aliases: aliasText ? parseModulesAlias(aliasText.toString('utf8')) : [],
      builtin,
      builtinAliases,
      softdeps: softdepText ? parseModulesSoftdep(softdepText.toString('utf8')) : new Map(),
      source: 'modules.dep',
    };
  }
  const computed = await computeModuleIndex(modulesDir);
  return { modulesDir, ...computed, builtin, builtinAliases, source: 'modinfo' };
}
