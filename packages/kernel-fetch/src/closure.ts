import { join } from 'node:path';
import { KernelFetchError } from './errors.js';
import { fnmatchToRegExp, normalizeAlias } from './fnmatch.js';
import type { ModuleAlias, ModuleIndex, ModuleInfo } from './module-index.js';
import { normalizeModuleName } from './module-name.js';

/** One module to load, with its file. */
export interface ModuleRef {
  name: string;
  /** Relative to the modules directory (`kernel/fs/ext4/ext4.ko`). */
  path: string;
  /** Absolute path of the module file. */
  file: string;
  /** Transitive hard dependencies (names), as in modules.dep. */
  deps: string[];
}

export interface ModuleClosure {
  /** Load order: every module after its hard dependencies and pre-softdeps; deterministic. */
  modules: ModuleRef[];
  /** Requested names that are compiled into the kernel (nothing to load). */
  builtin: string[];
  /** Softdep targets that match nothing in this kernel (skipped, as modprobe does). */
  unresolvedSoftdeps: string[];
}

export interface ClosureOptions {
  /**
   * Follow softdeps (default true): `pre:` modules load before the module (after its hard
   * deps, as kmod's modprobe does) and `post:` ones after it. They matter: ext4 and jbd2 need
   * crc32c through `softdep … pre: crypto-crc32c` (image-recipes §7.2, §10 item 11).
   */
  softdeps?: boolean;
}

interface AliasTable {
  exact: Map<string, string[]>;
  /** Wildcard patterns with their literal prefix: compiled only when the prefix matches. */
  patterns: { prefix: string; pattern: string; module: string }[];
}
const aliasTables = new WeakMap<ModuleAlias[], AliasTable>();

/** Aliases split into exact names (a map) and wildcard patterns, in file order; cached per list. */
function aliasTable(aliases: ModuleAlias[]): AliasTable {
  let table = aliasTables.get(aliases);
  if (table === undefined) {
    table = { exact: new Map(), patterns: [] };
    for (const a of aliases) {
      const pattern = normalizeAlias(a.pattern);
      const wildcard = pattern.search(/[*?[]/);
      if (wildcard >= 0)
        table.patterns.push({ prefix: pattern.slice(0, wildcard), pattern, module: a.module });
      else table.exact.set(pattern, [...(table.exact.get(pattern) ?? []), a.module]);
    }
    aliasTables.set(aliases, table);
  }
  return table;
}

function matchAliases(aliases: ModuleAlias[], alias: string): string[] {
  const table = aliasTable(aliases);
  const found = [...(table.exact.get(alias) ?? [])];
  for (const p of table.patterns) {
    if (alias.startsWith(p.prefix) && fnmatchToRegExp(p.pattern).test(alias)) found.push(p.module);
  }
  return [...new Set(found)];
}

type Resolved =
  | { kind: 'modules'; names: string[] }
  | { kind: 'builtin'; name: string }
  | { kind: 'unknown' };

/** A name or alias → modules, as modprobe resolves it (name, then aliases, then built-ins). */
export function resolveModule(index: ModuleIndex, request: string): Resolved {
  const name = normalizeModuleName(request);
  if (index.modules.has(name)) return { kind: 'modules', names: [name] };
  if (index.builtin.has(name)) return { kind: 'builtin', name };
  const alias = normalizeAlias(request);
  const names = matchAliases(index.aliases, alias).filter((n) => index.modules.has(n));
  if (names.length > 0) return { kind: 'modules', names };
  const builtin = matchAliases(index.builtinAliases, alias)[0];
  if (builtin !== undefined) return { kind: 'builtin', name: builtin };
  return { kind: 'unknown' };
}

/**
 * The modules to load for the given names or aliases, dependencies first. Names accept '-'
 * and '_' alike; aliases use the fnmatch patterns of modules.alias (an alias matching several
 * modules yields all of them, as modprobe does); built-in modules are reported, not loaded.
 */
export function moduleClosure(
  index: ModuleIndex,
  namesOrAliases: string[],
  options: ClosureOptions = {},
): ModuleClosure {
  const followSoftdeps = options.softdeps ?? true;
  const unknown: string[] = [];
  const builtin: string[] = [];
  const unresolvedSoftdeps: string[] = [];
  const order: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();

  const visitSoft = (targets: string[]): void => {
    for (const target of targets) {
      const r = resolveModule(index, target);
      if (r.kind === 'modules') for (const n of r.names) visit(n);
      else if (r.kind === 'unknown' && !unresolvedSoftdeps.includes(target))
        unresolvedSoftdeps.push(target);
    }
  };

  function visit(name: string): void {
    if (state.has(name)) return; // done, or a softdep cycle back to a module being visited
    const info = index.modules.get(name);
    if (info === undefined) return;
    state.set(name, 'visiting');
    for (const dep of [...info.deps].reverse()) visit(dep);
    const soft = followSoftdeps ? index.softdeps.get(name) : undefined;
    if (soft) visitSoft(soft.pre);
    order.push(name);
    state.set(name, 'done');
    if (soft) visitSoft(soft.post);
  }

  for (const request of namesOrAliases) {
    const r = resolveModule(index, request);
    if (r.kind === 'unknown') unknown.push(request);
    else if (r.kind === 'builtin') {
      if (!builtin.includes(r.name)) builtin.push(r.name);
    } else for (const n of r.names) visit(n);
  }
  if (unknown.length > 0) {
    throw new KernelFetchError(
      'MODULE_UNKNOWN',
      `unknown kernel module${unknown.length > 1 ? 's' : ''} ${unknown.map((u) => JSON.stringify(u)).join(', ')}: neither a module, an alias nor built into this kernel (${index.modulesDir})`,
      'check the spelling (see modules.order or `modinfo`), or use a kernel built with the module',
      { exitCode: 2 },
    );
  }
  return {
    modules: order.map((name) => {
      const info = index.modules.get(name) as ModuleInfo;
      return { name, path: info.path, file: join(index.modulesDir, info.path), deps: info.deps };
    }),
    builtin,
    unresolvedSoftdeps,
  };
}
