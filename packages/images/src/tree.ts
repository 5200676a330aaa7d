import { createHash } from 'node:crypto';
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { ImagesError } from './errors.js';

/**
 * The image tree as the writers take it (build.md §2): a list of entries with paths relative to
 * the image root ("isolinux/isolinux.bin"; a leading "/" is accepted). A file carries its bytes
 * (`data`) or a host path to read them from (`source`, resolved by `loadTree` at the edge).
 */
export interface TreeEntry {
  path: string;
  type: 'file' | 'dir' | 'symlink';
  data?: Uint8Array;
  source?: string;
  /** Symlink target. */
  target?: string;
  /** Permission bits (0o7777 mask); default 0o644 for files, 0o755 for dirs, 0o777 links. */
  mode?: number;
}

/** A validated, sorted tree with every file's bytes in memory. */
export interface ResolvedEntry {
  path: string;
  /** Path components. */
  parts: string[];
  name: string;
  type: 'file' | 'dir' | 'symlink';
  data: Uint8Array;
  target: string;
  mode: number;
}

const EMPTY = new Uint8Array(0);

/** Bytewise (code-unit) order, parents before children: "a" < "a/b" < "a-b". */
export function comparePaths(a: string[], b: string[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (a[i] !== b[i]) return Buffer.compare(Buffer.from(a[i]!), Buffer.from(b[i]!));
  }
  return a.length - b.length;
}

function splitPath(p: string): string[] {
  const parts = p.replace(/^\/+/, '').replace(/\/+$/, '').split('/');
  for (const c of parts) {
    if (c === '' || c === '.' || c === '..' || c.includes('\0')) {
      throw new ImagesError(
        'TREE_BAD_PATH',
        `image path ${JSON.stringify(p)} has an empty, "." or ".." component`,
        'use plain relative paths such as "cernvm/initrd.img"',
      );
    }
  }
  return parts;
}

/**
 * Validates and orders a tree whose files already carry `data`. Missing parent directories are
 * added (mode 0755); duplicates and files used as directories are refused.
 */
export function resolveTree(entries: readonly TreeEntry[]): ResolvedEntry[] {
  const byPath = new Map<string, ResolvedEntry>();
  for (const e of entries) {
    const parts = splitPath(e.path);
    const path = parts.join('/');
    if (byPath.has(path)) {
      throw new ImagesError(
        'TREE_DUPLICATE',
        `image path ${JSON.stringify(path)} appears twice`,
        'list every path once',
      );
    }
    if (e.type === 'file' && !e.data) {
      throw new ImagesError(
        'TREE_NO_DATA',
        `file ${JSON.stringify(path)} has no data`,
        e.source ? 'call loadTree() to read `source` files first' : 'give `data` or `source`',
      );
    }
    if (e.type === 'symlink' && !e.target) {
      throw new ImagesError(
        'TREE_NO_TARGET',
        `symlink ${JSON.stringify(path)} has no target`,
        'give `target`',
      );
    }
    const mode = e.mode ?? (e.type === 'dir' ? 0o755 : e.type === 'symlink' ? 0o777 : 0o644);
    if (!Number.isInteger(mode) || mode < 0 || mode > 0o7777) {
      throw new ImagesError(
        'TREE_BAD_MODE',
        `mode ${String(e.mode)} of ${JSON.stringify(path)} is not 0..0o7777`,
      );
    }
    byPath.set(path, {
      path,
      parts,
      name: parts[parts.length - 1]!,
      type: e.type,
      data: e.data ?? EMPTY,
      target: e.target ?? '',
      mode,
    });
  }
  for (const e of [...byPath.values()]) {
    for (let i = 1; i < e.parts.length; i++) {
      const parts = e.parts.slice(0, i);
      const p = parts.join('/');
      const parent = byPath.get(p);
      if (!parent) {
        byPath.set(p, {
          path: p,
          parts,
          name: parts[i - 1]!,
          type: 'dir',
          data: EMPTY,
          target: '',
          mode: 0o755,
        });
      } else if (parent.type !== 'dir') {
        throw new ImagesError(
          'TREE_NOT_A_DIR',
          `${JSON.stringify(p)} is a ${parent.type} but ${JSON.stringify(e.path)} is inside it`,
          'make the parent a directory',
        );
      }
    }
  }
  return [...byPath.values()].sort((a, b) => comparePaths(a.parts, b.parts));
}

/** Reads the `source` of every file entry (the I/O edge before the pure writers). */
export async function loadTree(entries: readonly TreeEntry[]): Promise<TreeEntry[]> {
  return Promise.all(
    entries.map(async (e) => {
      if (e.type !== 'file' || e.data || !e.source) return e;
      try {
        return { ...e, data: await readFile(e.source) };
      } catch (err) {
        throw new ImagesError(
          'TREE_SOURCE_UNREADABLE',
          `cannot read ${e.source} for image path ${JSON.stringify(e.path)}: ${(err as Error).message}`,
          'check that the staging tree is complete',
          1,
        );
      }
    }),
  );
}

/**
 * Describes a host directory as a tree, in sorted order, with modes normalised the way
 * `xorriso -r` does (0755 if any x bit, else 0644): no host uid/gid, umask or readdir order.
 */
export async function treeFromDirectory(root: string): Promise<TreeEntry[]> {
  const out: TreeEntry[] = [];
  const walk = async (rel: string) => {
    const names = (await readdir(join(root, rel))).sort((a, b) =>
      Buffer.compare(Buffer.from(a), Buffer.from(b)),
    );
    for (const name of names) {
      const r = rel ? `${rel}/${name}` : name;
      const abs = join(root, r);
      const st = await lstat(abs);
      if (st.isDirectory()) {
        out.push({ path: r, type: 'dir', mode: 0o755 });
        await walk(r);
      } else if (st.isSymbolicLink()) {
        out.push({ path: r, type: 'symlink', target: await readlink(abs), mode: 0o777 });
      } else if (st.isFile()) {
        out.push({ path: r, type: 'file', source: abs, mode: st.mode & 0o111 ? 0o755 : 0o644 });
      } else {
        throw new ImagesError(
          'TREE_UNSUPPORTED_TYPE',
          `${abs} is not a file, directory or symlink`,
          'remove it from the staging tree',
        );
      }
    }
  };
  await walk('');
  return out;
}

/** sha256 over the resolved tree (paths, types, modes, contents): the default id seed. */
export function treeDigest(entries: readonly ResolvedEntry[]): string {
  const h = createHash('sha256');
  for (const e of entries) {
    h.update(`${e.type}\0${e.path}\0${e.mode}\0${e.target}\0${e.data.length}\0`);
    h.update(e.data);
  }
  return h.digest('hex');
}
