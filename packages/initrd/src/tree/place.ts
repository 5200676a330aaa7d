import type { Stats } from 'node:fs';
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { InitrdError } from '../errors.js';
import { lookupInTree, normalizeRootPath } from './lookup.js';
import type { Staging } from './staging.js';

/** An unpacked component: its name (for attribution) and the root of its tree. */
export interface ComponentTree {
  name: string;
  root: string;
}

/**
 * Modes are normalised so the umask of whoever unpacked the tree never reaches the image
 * (build.md §7 byte-reproducible): executables 0755, other files 0644, directories 0755.
 */
export function normalFileMode(st: Stats): number {
  return st.mode & 0o111 ? 0o755 : 0o644;
}

const mtimeOf = (st: Stats): number => Math.floor(st.mtimeMs / 1000);

/** Remembers (dev, ino) of files already staged from one tree, to stage hard links. */
export type HardLinkMap = Map<string, string>;

async function stageObject(
  staging: Staging,
  tree: ComponentTree,
  hostPath: string,
  st: Stats,
  dest: string,
  links: HardLinkMap,
): Promise<void> {
  const component = tree.name;
  if (st.isSymbolicLink()) {
    staging.add({
      kind: 'symlink',
      path: dest,
      target: await readlink(hostPath),
      mtime: mtimeOf(st),
      component,
    });
  } else if (st.isDirectory()) {
    staging.add({ kind: 'dir', path: dest, mode: 0o755, component });
    const names = (await readdir(hostPath)).sort((a, b) =>
      Buffer.compare(Buffer.from(a), Buffer.from(b)),
    );
    for (const name of names) {
      const child = join(hostPath, name);
      await stageObject(staging, tree, child, await lstat(child), `${dest}/${name}`, links);
    }
  } else if (st.isFile()) {
    const key = `${st.dev}:${st.ino}`;
    const first = st.nlink > 1 ? links.get(key) : undefined;
    if (first !== undefined && first !== dest) {
      staging.add({ kind: 'hardlink', path: dest, target: first, component });
      return;
    }
    if (st.nlink > 1) links.set(key, dest);
    staging.add({
      kind: 'file',
      path: dest,
      mode: normalFileMode(st),
      data: await readFile(hostPath),
      mtime: mtimeOf(st),
      component,
    });
  } else {
    throw new InitrdError(
      'TREE_PATH_UNSAFE',
      `${hostPath} in component ${component} is a device, FIFO or socket`,
      'component trees may hold only files, directories and symlinks; device nodes are created by the assembler',
      2,
    );
  }
}

/**
 * Stages `from` (a path in the tree, '' for all of it) at `to` in the image. Directories are
 * copied whole in sorted order; a symlink is kept as a symlink and, when its target exists in
 * the tree, the target is staged too at its own path (so `libfoo.so.1 -> libfoo.so.1.2.3`
 * chains stay complete).
 */
export async function placeFromTree(
  staging: Staging,
  tree: ComponentTree,
  from: string,
  to: string = from,
  links: HardLinkMap = new Map(),
): Promise<void> {
  const src = normalizeRootPath(from);
  const dest = normalizeRootPath(to);
  const hit = await lookupInTree(tree.root, src, false);
  if (!hit) {
    throw new InitrdError(
      'TREE_PATH_MISSING',
      `component ${tree.name} has no ${JSON.stringify(from)} (looked in ${tree.root})`,
      "fix the component's file list or the unpacked tree",
      2,
    );
  }
  if (dest === '') {
    if (!hit.stats.isDirectory()) {
      throw new InitrdError(
        'TREE_PATH_UNSAFE',
        `component ${tree.name}: only a directory can be placed at the image root`,
        'give a destination path',
        2,
      );
    }
    const names = (await readdir(hit.hostPath)).sort((a, b) =>
      Buffer.compare(Buffer.from(a), Buffer.from(b)),
    );
    for (const name of names) await placeFromTree(staging, tree, `${src}/${name}`, name, links);
    return;
  }
  await stageObject(staging, tree, hit.hostPath, hit.stats, dest, links);
  if (hit.stats.isSymbolicLink()) await placeSymlinkChain(staging, tree, dest, links);
}

/**
 * Starting at an image path that is a staged symlink, stages every link of the chain and the
 * final file from the tree. Returns the image path of the final object, or undefined when the
 * chain leaves the tree.
 */
export async function placeSymlinkChain(
  staging: Staging,
  tree: ComponentTree,
  imagePath: string,
  links: HardLinkMap = new Map(),
): Promise<string | undefined> {
  let current = normalizeRootPath(imagePath);
  for (let hops = 0; hops < 40; hops++) {
    const staged = staging.get(current);
    if (staged?.kind === 'symlink') {
      const dir = posix.dirname(`/${current}`);
      current = normalizeRootPath(
        staged.target.startsWith('/') ? staged.target : `${dir}/${staged.target}`,
      );
      continue;
    }
    if (staged) return current;
    const hit = await lookupInTree(tree.root, current, false);
    if (!hit) return undefined;
    await stageObject(staging, tree, hit.hostPath, hit.stats, current, links);
    if (!hit.stats.isSymbolicLink()) return current;
  }
  throw new InitrdError(
    'TREE_SYMLINK_LOOP',
    `too many symlinks from /${imagePath} in component ${tree.name}`,
    'fix the symlink loop in the component tree',
  );
}
