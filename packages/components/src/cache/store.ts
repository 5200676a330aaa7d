import { createHash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { copyFile, mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ComponentsError } from '../errors.js';
import { type FileLockOptions, withFileLock } from './lock.js';

/** `$XDG_CACHE_HOME/ucvm`, else `~/.cache/ucvm` (build.md §4: the user cache directory). */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env['XDG_CACHE_HOME'];
  return join(xdg?.startsWith('/') ? xdg : join(env['HOME'] || homedir(), '.cache'), 'ucvm');
}

export async function sha256File(path: string): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(path)) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), size };
}

export interface StoredObject {
  sha256: string;
  size: number;
  path: string;
}

/**
 * Content-addressed cache:
 *   objects/sha256/<2 hex>/<64 hex>   downloaded files, named by their digest
 *   trees/<sha256>/                   unpacked archives (complete when `.ucvm-complete` exists)
 *   tmp/                              partial downloads, renamed into place after verification
 *   locks/                            per-object lock files
 * Every object is re-hashed when it is used, so a corrupt or truncated entry is found,
 * removed and fetched again.
 */
export class CacheStore {
  constructor(
    readonly root: string,
    readonly lockOptions: FileLockOptions = {},
  ) {}

  objectPath(sha256: string): string {
    return join(this.root, 'objects', 'sha256', sha256.slice(0, 2), sha256);
  }

  /** Cheap presence check (no hashing): `get` still verifies before use. */
  async has(sha256: string): Promise<boolean> {
    return stat(this.objectPath(sha256)).then(
      (s) => s.isFile(),
      () => false,
    );
  }

  /** The object's path if it is present and intact; a corrupt entry is removed. */
  async get(sha256: string): Promise<StoredObject | undefined> {
    const path = this.objectPath(sha256);
    const present = await stat(path).then(
      (s) => s.isFile(),
      () => false,
    );
    if (!present) return undefined;
    const actual = await sha256File(path);
    if (actual.sha256 !== sha256) {
      await rm(path, { force: true });
      return undefined;
    }
    return { sha256, size: actual.size, path };
  }

  /** A fresh temporary path inside the cache (same file system as the objects). */
  async tempPath(suffix = ''): Promise<string> {
    await mkdir(join(this.root, 'tmp'), { recursive: true });
    return join(this.root, 'tmp', `${randomUUID()}${suffix}`);
  }

  /**
   * Moves a finished temporary file into the store after hashing it. With `expected` set a
   * different digest is refused (the temporary file is removed) with DIGEST_MISMATCH.
   */
  async commit(
    tmp: string,
    expected: string | undefined,
    what: { component: string; from: string },
  ): Promise<StoredObject> {
    const actual = await sha256File(tmp);
    if (expected !== undefined && actual.sha256 !== expected) {
      await rm(tmp, { force: true });
      throw new ComponentsError(
        'DIGEST_MISMATCH',
        `component ${what.component}: ${what.from} has sha256 ${actual.sha256} (${actual.size} bytes), expected ${expected}`,
        'the download is corrupt or the file changed upstream; if the new file is intended, put its sha256 into the config and run `ucvm fetch --update-lock`',
      );
    }
    const path = this.objectPath(actual.sha256);
    await mkdir(join(path, '..'), { recursive: true });
    await rename(tmp, path);
    return { sha256: actual.sha256, size: actual.size, path };
  }

  /** Copies a local file into the store (verified against `expected` when given). */
  async putFile(
    src: string,
    expected: string | undefined,
    what: { component: string; from: string },
  ): Promise<StoredObject> {
    const tmp = await this.tempPath();
    try {
      await copyFile(src, tmp);
      return await this.commit(tmp, expected, what);
    } finally {
      await rm(tmp, { force: true });
    }
  }

  /** Serialises work on one key (an object digest or a source identity) across processes. */
  lock<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const name = createHash('sha256').update(key).digest('hex').slice(0, 32);
    return withFileLock(join(this.root, 'locks', `${name}.lock`), fn, this.lockOptions);
  }

  treePath(sha256: string): string {
    return join(this.root, 'trees', sha256);
  }

  /**
   * The unpacked tree of an object, made once: `unpack` fills a temporary directory that is
   * renamed into place with a completion marker, so a half-unpacked tree is never used.
   */
  async tree(sha256: string, unpack: (dir: string) => Promise<void>): Promise<string> {
    const dir = this.treePath(sha256);
    const done = async () =>
      stat(join(dir, '.ucvm-complete')).then(
        () => true,
        () => false,
      );
    if (await done()) return dir;
    return this.lock(`tree:${sha256}`, async () => {
      if (await done()) return dir;
      await rm(dir, { recursive: true, force: true });
      const tmp = await this.tempPath('.tree');
      try {
        await mkdir(tmp);
        await unpack(tmp);
        await writeFile(join(tmp, '.ucvm-complete'), `${sha256}\n`);
        await mkdir(join(this.root, 'trees'), { recursive: true });
        await rename(tmp, dir);
      } finally {
        await rm(tmp, { recursive: true, force: true });
      }
      return dir;
    });
  }
}
