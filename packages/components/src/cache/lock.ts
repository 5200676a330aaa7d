import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ComponentsError } from '../errors.js';

export interface FileLockOptions {
  /** Give up waiting after this long (default 10 minutes: a big download may hold it). */
  deadlineMs?: number;
  pollMs?: number;
}

/**
 * Runs `fn` holding an exclusive lock file (build.md §4: concurrent builds share the cache).
 * The lock is created with O_EXCL and holds the owner's pid; a lock whose pid is no longer
 * alive is stale and is taken over (renamed away first, so two takers cannot both win).
 */
export async function withFileLock<T>(
  lockPath: string,
  fn: () => Promise<T>,
  opts: FileLockOptions = {},
): Promise<T> {
  const deadline = performance.now() + (opts.deadlineMs ?? 600_000);
  const pollMs = opts.pollMs ?? 50;
  await mkdir(dirname(lockPath), { recursive: true });
  for (;;) {
    if (await tryCreate(lockPath)) break;
    await breakIfStale(lockPath);
    if (performance.now() > deadline) {
      const owner = await readOwner(lockPath);
      throw new ComponentsError(
        'CACHE_LOCK_TIMEOUT',
        `cache lock ${lockPath} is still held${owner ? ` by pid ${owner}` : ''} after ${opts.deadlineMs ?? 600_000} ms`,
        `wait for the other ucvm to finish; if none is running, delete ${lockPath}`,
      );
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
  try {
    return await fn();
  } finally {
    await rm(lockPath, { force: true });
  }
}

async function tryCreate(lockPath: string): Promise<boolean> {
  try {
    const fh = await open(lockPath, 'wx');
    await fh.writeFile(`${process.pid}\n`);
    await fh.close();
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

async function readOwner(lockPath: string): Promise<number | undefined> {
  const text = await readFile(lockPath, 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  const pid = Number.parseInt(text, 10);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function breakIfStale(lockPath: string): Promise<void> {
  const text = await readFile(lockPath, 'utf8').catch(() => undefined);
  // Missing: released meanwhile. Empty: the owner is between create and write; give it time.
  if (text === undefined || text === '') return;
  const pid = Number.parseInt(text, 10);
  if (Number.isInteger(pid) && pid > 0 && alive(pid)) return;
  const aside = `${lockPath}.stale-${process.pid}`;
  try {
    await rename(lockPath, aside);
  } catch {
    return; // someone else broke it first
  }
  // If a live owner re-created the lock between our read and the rename, put it back.
  const moved = await readFile(aside, 'utf8').catch(() => '');
  if (moved !== text) await rename(aside, lockPath).catch(() => undefined);
  else await rm(aside, { force: true });
}
