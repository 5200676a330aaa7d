import type { Stats } from 'node:fs';
import { lstat, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { InitrdError } from '../errors.js';

/**
 * Path lookup inside an unpacked component tree, treating the tree as a root file system:
 * absolute symlink targets resolve against the tree root, '..' stops at it, so a link like
 * /lib64/ld-linux-x86-64.so.2 -> /lib/x86_64-linux-gnu/... never reaches the build host.
 */
export interface TreeHit {
  /** Path of the found object relative to the tree root, symlinks resolved. */
  physical: string;
  /** Absolute host path, to read the object. */
  hostPath: string;
  stats: Stats;
}

const MAX_SYMLINK_HOPS = 40; // as the kernel's MAXSYMLINKS

export function splitPath(path: string): string[] {
  return path.split('/').filter((p) => p !== '' && p !== '.');
}

/** Joins and normalises a path inside the image root ('..' stops at the root). */
export function normalizeRootPath(path: string): string {
  const out: string[] = [];
  for (const part of splitPath(path)) {
    if (part === '..') out.pop();
    else out.push(part);
  }
  return out.join('/');
}

/**
 * Finds `path` in the tree. Intermediate symlinks are always followed; the last component
 * only when `followFinal`. Returns undefined when any component is missing.
 */
export async function lookupInTree(
  root: string,
  path: string,
  followFinal: boolean,
): Promise<TreeHit | undefined> {
  let pending = splitPath(path);
  let current: string[] = [];
  let stats = await lstat(root).catch(() => undefined);
  if (!stats) return undefined;
  let hops = 0;
  while (pending.length > 0) {
    const part = pending.shift() as string;
    if (part === '..') {
      current.pop();
      continue;
    }
    const candidate = [...current, part];
    const hostPath = join(root, ...candidate);
    const st = await lstat(hostPath).catch(() => undefined);
    if (!st) return undefined;
    if (st.isSymbolicLink() && (pending.length > 0 || followFinal)) {
      if (++hops > MAX_SYMLINK_HOPS) {
        throw new InitrdError(
          'TREE_SYMLINK_LOOP',
          `too many symlinks resolving ${JSON.stringify(path)} in ${root}`,
          'fix the symlink loop in the component tree',
        );
      }
      const target = await readlink(hostPath);
      if (target.startsWith('/')) current = [];
      pending = [...splitPath(target), ...pending];
      continue;
    }
    if (pending.length > 0 && !st.isDirectory()) return undefined;
    current = candidate;
    stats = st;
  }
  return { physical: current.join('/'), hostPath: join(root, ...current), stats };
}
