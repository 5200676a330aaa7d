import { posix } from 'node:path';
import { InitrdError } from '../errors.js';
import { lookupInTree, normalizeRootPath } from '../tree/lookup.js';
import { type ComponentTree, type HardLinkMap, placeSymlinkChain } from '../tree/place.js';
import type { Staging } from '../tree/staging.js';
import { readElfDependencies } from './elf.js';
import { ET_DYN, ET_EXEC, isElf } from './file-header.js';

/**
 * Shared-library closure from ELF headers alone (build.md §5: never ldd, never the binary).
 * Search order per DT_NEEDED, as ld.so(8) without LD_LIBRARY_PATH and ld.so.cache:
 * DT_RPATH of the object and of its loaders (only when the object has no DT_RUNPATH), then
 * DT_RUNPATH, then the default directories below. Each directory is tried in the object's own
 * component tree first, then in the others, in the order given.
 */
export const DEFAULT_LIBRARY_DIRS = [
  'lib/x86_64-linux-gnu',
  'usr/lib/x86_64-linux-gnu',
  'lib',
  'usr/lib',
  'lib64',
];

export interface LibraryResolution {
  /** Image path of the object that needs it. */
  object: string;
  needed: string;
  /** Image path where the library was found (after its symlink chain). */
  path: string;
  component: string;
}

interface Pending {
  path: string;
  component: string;
  /** DT_RPATH directories of the loaders, already expanded. */
  inheritedRpath: string[];
}

/** Expands $ORIGIN, $LIB and $PLATFORM (ld.so(8) "Dynamic string tokens") to image paths. */
export function expandSearchPath(entry: string, objectPath: string): string | undefined {
  const origin = posix.dirname(`/${normalizeRootPath(objectPath)}`);
  const expanded = entry
    .replace(/\$\{ORIGIN\}|\$ORIGIN(?![A-Za-z0-9_])/g, origin)
    .replace(/\$\{LIB\}|\$LIB(?![A-Za-z0-9_])/g, 'lib/x86_64-linux-gnu')
    .replace(/\$\{PLATFORM\}|\$PLATFORM(?![A-Za-z0-9_])/g, 'x86_64');
  // A relative entry would be relative to the working directory at run time: not usable.
  if (!expanded.startsWith('/')) return undefined;
  return normalizeRootPath(expanded);
}

/**
 * Stages the interpreter and the library closure of every ELF executable or shared object
 * already staged, taking libraries from the component trees. Returns what was resolved.
 */
export async function stageLibraryClosure(
  staging: Staging,
  trees: readonly ComponentTree[],
  links: Map<string, HardLinkMap> = new Map(),
): Promise<LibraryResolution[]> {
  const byName = new Map(trees.map((t) => [t.name, t]));
  const queue: Pending[] = [];
  const seen = new Set<string>();
  const enqueue = (p: Pending) => {
    if (seen.has(p.path)) return;
    seen.add(p.path);
    queue.push(p);
  };
  for (const e of staging.entries()) {
    if (e.kind === 'file' && isElf(e.data))
      enqueue({ path: e.path, component: e.component, inheritedRpath: [] });
  }
  const resolutions: LibraryResolution[] = [];
  const treesFor = (component: string): ComponentTree[] => {
    const own = byName.get(component);
    return own ? [own, ...trees.filter((t) => t !== own)] : [...trees];
  };
  const linksOf = (tree: ComponentTree): HardLinkMap => {
    let m = links.get(tree.name);
    if (!m) {
      m = new Map();
      links.set(tree.name, m);
    }
    return m;
  };

  /** Finds `candidate` (an image path) staged or in a tree; stages its chain; returns the final path. */
  const locate = async (
    candidate: string,
    component: string,
  ): Promise<{ path: string; component: string } | undefined> => {
    const staged = staging.resolveFile(candidate);
    if (staged) return { path: staged.path, component: staged.component };
    for (const tree of treesFor(component)) {
      const hit = await lookupInTree(tree.root, candidate, true);
      if (!hit?.stats.isFile()) continue;
      const final = await placeSymlinkChain(staging, tree, candidate, linksOf(tree));
      if (final !== undefined) return { path: final, component: tree.name };
    }
    return undefined;
  };

  while (queue.length > 0) {
    const object = queue.shift() as Pending;
    const entry = staging.resolveFile(object.path);
    if (entry?.kind !== 'file') continue;
    const deps = readElfDependencies(entry.data, `/${object.path}`);
    if (deps.type !== ET_EXEC && deps.type !== ET_DYN) continue; // kernel modules, objects
    if (deps.interpreter) {
      const found = await locate(normalizeRootPath(deps.interpreter), object.component);
      if (!found) throw missing(object, deps.interpreter, [posix.dirname(deps.interpreter)]);
      resolutions.push({ object: object.path, needed: deps.interpreter, ...found });
    }
    const own = deps.hasRunpath ? [] : deps.rpath.map((r) => expandSearchPath(r, object.path));
    const rpath = [
      ...own.filter((d): d is string => d !== undefined),
      ...(deps.hasRunpath ? [] : object.inheritedRpath),
    ];
    const runpath = deps.runpath
      .map((r) => expandSearchPath(r, object.path))
      .filter((d): d is string => d !== undefined);
    const dirs = [...new Set([...rpath, ...runpath, ...DEFAULT_LIBRARY_DIRS])];
    for (const needed of deps.needed) {
      const candidates = needed.includes('/')
        ? [normalizeRootPath(needed)]
        : dirs.map((d) => (d === '' ? needed : `${d}/${needed}`));
      let found: { path: string; component: string } | undefined;
      for (const c of candidates) {
        found = await locate(c, object.component);
        if (found) break;
      }
      if (!found) throw missing(object, needed, dirs);
      resolutions.push({ object: object.path, needed, ...found });
      enqueue({ path: found.path, component: found.component, inheritedRpath: rpath });
    }
  }
  return resolutions;
}

function missing(object: Pending, library: string, dirs: string[]): InitrdError {
  return new InitrdError(
    'LIBRARY_NOT_FOUND',
    `/${object.path} (component ${object.component}) needs ${library}, which no component tree provides`,
    `add the package that ships ${library} as a component (searched: ${dirs.map((d) => `/${d}`).join(', ')})`,
  );
}
