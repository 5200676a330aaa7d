import { constants, type Stats } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { ArchiveEntry } from './entry.js';
import { UnpackError } from './errors.js';

/** What an extraction created. `skipped` lists device nodes and FIFOs, which are not created. */
export interface UnpackResult {
  files: number;
  dirs: number;
  symlinks: number;
  hardlinks: number;
  /** Bytes of regular-file data written. */
  bytes: number;
  /** Names of members not created (character/block devices, FIFOs: rootless extraction). */
  skipped: string[];
}

export interface ExtractOptions {
  /**
   * Absolute symlink targets (`/usr/lib/x`): `rooted` (default) accepts them when, read with
   * destDir as the root (as the image will see them), they stay inside; `refuse` rejects them.
   */
  absoluteSymlinks?: 'rooted' | 'refuse';
}

const HINT_UNSAFE =
  'the archive tries to place files outside the target directory; do not use it (or repack it with relative, contained names)';
const MAX_LINK_HOPS = 40; // as Linux's MAXSYMLINKS

/** Split a member name into path components; refuses absolute names and `..`. */
function components(name: string, archive: string, member: string): string[] {
  if (name.includes('\0')) {
    throw new UnpackError(
      'UNPACK_UNSAFE_PATH',
      archive,
      member,
      'name contains a NUL byte',
      HINT_UNSAFE,
    );
  }
  if (name.startsWith('/')) {
    throw new UnpackError(
      'UNPACK_UNSAFE_PATH',
      archive,
      member,
      'absolute name refused',
      HINT_UNSAFE,
    );
  }
  const parts = name.split('/').filter((c) => c !== '' && c !== '.');
  if (parts.includes('..')) {
    throw new UnpackError(
      'UNPACK_UNSAFE_PATH',
      archive,
      member,
      '".." component refused',
      HINT_UNSAFE,
    );
  }
  return parts;
}

/**
 * Resolve a symlink target inside the tree being built, following symlinks already
 * extracted; returns the components it reaches, or undefined if it climbs above the root.
 */
function resolveInTree(
  fromDir: string[],
  target: string,
  links: Map<string, string>,
): string[] | undefined {
  let stack = target.startsWith('/') ? [] : [...fromDir];
  let pending = target.split('/');
  let hops = 0;
  while (pending.length > 0) {
    const c = pending.shift() as string;
    if (c === '' || c === '.') continue;
    if (c === '..') {
      if (stack.length === 0) return undefined;
      stack.pop();
      continue;
    }
    stack.push(c);
    const link = links.get(stack.join('/'));
    if (link !== undefined && hops++ < MAX_LINK_HOPS) {
      stack.pop();
      if (link.startsWith('/')) stack = [];
      pending = [...link.split('/'), ...pending];
    }
  }
  return stack;
}

async function lstatOrUndefined(p: string): Promise<Stats | undefined> {
  try {
    return await fs.lstat(p);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * Write archive entries below destDir. Never writes outside it: names are checked, parent
 * directories are lstat'ed (a symlink there is refused, so nothing is written through one),
 * files are created with O_EXCL|O_NOFOLLOW, and every symlink must resolve inside the tree
 * (checked when created and again over the final tree, as later links can change earlier
 * ones' meaning). Modes: permission bits and sticky are kept; setuid/setgid are dropped
 * (the files belong to whoever unpacks); owners and mtimes are not restored.
 */
export async function extractEntries(
  entries: Iterable<ArchiveEntry>,
  destDir: string,
  archive: string,
  options: ExtractOptions = {},
): Promise<UnpackResult> {
  await fs.mkdir(destDir, { recursive: true });
  const root = await fs.realpath(destDir);
  const result: UnpackResult = {
    files: 0,
    dirs: 0,
    symlinks: 0,
    hardlinks: 0,
    bytes: 0,
    skipped: [],
  };
  const links = new Map<string, string>(); // relative path → target, for symlinks extracted
  const linkMembers = new Map<string, string>(); // relative path → member name
  const files = new Set<string>();
  const knownDirs = new Set<string>(['']);
  const dirModes = new Map<string, number>();

  const abs = (parts: string[]): string => {
    const p = path.join(root, ...parts);
    if (p !== root && !p.startsWith(root + path.sep)) {
      throw new Error(`internal: ${p} outside ${root}`); // unreachable after components()
    }
    return p;
  };

  const ensureDir = async (parts: string[], member: string): Promise<void> => {
    for (let i = 1; i <= parts.length; i++) {
      const rel = parts.slice(0, i).join('/');
      if (knownDirs.has(rel)) continue;
      const p = abs(parts.slice(0, i));
      const st = await lstatOrUndefined(p);
      if (st === undefined) {
        await fs.mkdir(p, { mode: 0o755 });
        await fs.chmod(p, 0o755);
        result.dirs++;
      } else if (st.isSymbolicLink()) {
        throw new UnpackError(
          'UNPACK_UNSAFE_LINK',
          archive,
          member,
          `would write through the symlink ${JSON.stringify(rel)}`,
          HINT_UNSAFE,
        );
      } else if (!st.isDirectory()) {
        throw new UnpackError(
          'UNPACK_CONFLICT',
          archive,
          member,
          `${JSON.stringify(rel)} exists and is not a directory`,
          'repack the archive without conflicting members',
        );
      }
      knownDirs.add(rel);
    }
  };

  /** Make room for a non-directory at p (later members replace earlier ones, as tar does). */
  const clear = async (p: string, rel: string, member: string): Promise<void> => {
    const st = await lstatOrUndefined(p);
    if (st === undefined) return;
    if (st.isDirectory()) {
      throw new UnpackError(
        'UNPACK_CONFLICT',
        archive,
        member,
        `${JSON.stringify(rel)} is already a directory`,
        'repack the archive without conflicting members',
      );
    }
    await fs.unlink(p);
    links.delete(rel);
    files.delete(rel);
  };

  const checkSymlink = (parts: string[], target: string, member: string): void => {
    if (target.startsWith('/') && options.absoluteSymlinks === 'refuse') {
      throw new UnpackError(
        'UNPACK_UNSAFE_LINK',
        archive,
        member,
        `absolute symlink target ${JSON.stringify(target)} refused`,
        HINT_UNSAFE,
      );
    }
    if (resolveInTree(parts.slice(0, -1), target, links) === undefined) {
      throw new UnpackError(
        'UNPACK_UNSAFE_LINK',
        archive,
        member,
        `symlink target ${JSON.stringify(target)} resolves outside the target directory`,
        HINT_UNSAFE,
      );
    }
  };

  let current: string | undefined;
  try {
    for (const entry of entries) {
      const member = entry.name;
      current = member;
      const parts = components(entry.name, archive, member);
      const rel = parts.join('/');
      if (parts.length === 0) {
        if (entry.type === 'dir') continue; // "./": the target directory itself
        throw new UnpackError(
          'UNPACK_UNSAFE_PATH',
          archive,
          member,
          'non-directory member names the target directory itself',
          HINT_UNSAFE,
        );
      }
      if (entry.type === 'chardev' || entry.type === 'blockdev' || entry.type === 'fifo') {
        result.skipped.push(member);
        continue;
      }
      await ensureDir(parts.slice(0, -1), member);
      const p = abs(parts);
      switch (entry.type) {
        case 'dir':
          await ensureDir(parts, member);
          dirModes.set(rel, entry.mode & 0o1777);
          break;
        case 'file': {
          await clear(p, rel, member);
          const handle = await fs.open(
            p,
            constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
            0o600,
          );
          try {
            await handle.writeFile(entry.data);
            await handle.chmod(entry.mode & 0o1777);
          } finally {
            await handle.close();
          }
          files.add(rel);
          result.files++;
          result.bytes += entry.data.length;
          break;
        }
        case 'symlink':
          if (entry.linkname === '') {
            throw new UnpackError(
              'UNPACK_MALFORMED',
              archive,
              member,
              'symlink without a target',
              'the archive is damaged',
            );
          }
          checkSymlink(parts, entry.linkname, member);
          await clear(p, rel, member);
          await fs.symlink(entry.linkname, p);
          links.set(rel, entry.linkname);
          linkMembers.set(rel, member);
          result.symlinks++;
          break;
        case 'hardlink': {
          let targetParts: string[];
          try {
            targetParts = components(entry.linkname, archive, member);
          } catch {
            throw new UnpackError(
              'UNPACK_UNSAFE_LINK',
              archive,
              member,
              `hard link target ${JSON.stringify(entry.linkname)} is outside the target directory`,
              HINT_UNSAFE,
            );
          }
          const targetRel = targetParts.join('/');
          if (!files.has(targetRel)) {
            throw new UnpackError(
              'UNPACK_UNSAFE_LINK',
              archive,
              member,
              `hard link target ${JSON.stringify(entry.linkname)} is not a regular file extracted earlier from this archive`,
              HINT_UNSAFE,
            );
          }
          const targetPath = abs(targetParts);
          const st = await lstatOrUndefined(targetPath);
          if (!st?.isFile()) {
            throw new UnpackError(
              'UNPACK_UNSAFE_LINK',
              archive,
              member,
              `hard link target ${JSON.stringify(entry.linkname)} is no longer a regular file`,
              HINT_UNSAFE,
            );
          }
          if (targetRel === rel) break;
          await clear(p, rel, member);
          await fs.link(targetPath, p);
          files.add(rel);
          result.hardlinks++;
          break;
        }
      }
    }
    current = undefined;
    // The final tree: every symlink must still resolve inside it.
    for (const [rel, target] of links) {
      checkSymlink(rel.split('/'), target, linkMembers.get(rel) ?? rel);
    }
    // Directory modes last (deepest first), so read-only directories do not block their children.
    for (const rel of [...dirModes.keys()].sort((a, b) => b.length - a.length)) {
      await fs.chmod(path.join(root, rel), dirModes.get(rel) as number);
    }
  } catch (error) {
    if (error instanceof UnpackError) throw error;
    const err = error as NodeJS.ErrnoException;
    throw new UnpackError(
      'UNPACK_IO',
      archive,
      current,
      `writing below ${root} failed: ${err.message}`,
      'check free space and permissions of the target directory',
      { cause: error },
    );
  }
  return result;
}
