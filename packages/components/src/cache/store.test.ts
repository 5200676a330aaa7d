import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sha256 } from '../../test/http-fixture.js';
import { withFileLock } from './lock.js';
import { CacheStore, defaultCacheDir } from './store.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ucvm-store-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('CacheStore', () => {
  it('defaults to $XDG_CACHE_HOME/ucvm, else ~/.cache/ucvm', () => {
    expect(defaultCacheDir({ XDG_CACHE_HOME: '/x/cache', HOME: '/home/u' })).toBe('/x/cache/ucvm');
    expect(defaultCacheDir({ HOME: '/home/u' })).toBe('/home/u/.cache/ucvm');
    // A relative XDG_CACHE_HOME is invalid per the XDG spec and ignored.
    expect(defaultCacheDir({ XDG_CACHE_HOME: 'rel', HOME: '/home/u' })).toBe('/home/u/.cache/ucvm');
  });

  it('stores by digest, verifies, and removes a corrupt or truncated entry', async () => {
    const store = new CacheStore(dir);
    const src = join(dir, 'src');
    await writeFile(src, 'hello world\n');
    const digest = sha256('hello world\n');
    const obj = await store.putFile(src, digest, { component: 'x', from: 'test' });
    expect(obj.path).toBe(join(dir, 'objects', 'sha256', digest.slice(0, 2), digest));
    expect(await store.get(digest)).toEqual({ sha256: digest, size: 12, path: obj.path });
    await truncate(obj.path, 5);
    expect(await store.get(digest)).toBeUndefined();
    await expect(stat(obj.path)).rejects.toThrow();
    // Nothing left in tmp/.
    expect(await readdir(join(dir, 'tmp'))).toEqual([]);
  });

  it('refuses a wrong digest, naming component, source, expected and actual', async () => {
    const store = new CacheStore(dir);
    const src = join(dir, 'src');
    await writeFile(src, 'abc');
    const wrong = 'f'.repeat(64);
    await expect(
      store.putFile(src, wrong, { component: 'busybox', from: 'http://h/b.deb' }),
    ).rejects.toMatchObject({
      code: 'DIGEST_MISMATCH',
      message: `component busybox: http://h/b.deb has sha256 ${sha256('abc')} (3 bytes), expected ${wrong}`,
    });
    expect(await store.get(wrong)).toBeUndefined();
    expect(await readdir(join(dir, 'tmp'))).toEqual([]);
  });

  it('unpacks a tree once and marks it complete', async () => {
    const store = new CacheStore(dir);
    let calls = 0;
    const fill = async (d: string) => {
      calls++;
      await writeFile(join(d, 'f'), 'x');
    };
    const a = await store.tree('a'.repeat(64), fill);
    const b = await store.tree('a'.repeat(64), fill);
    expect(a).toBe(b);
    expect(calls).toBe(1);
    expect(await readFile(join(a, 'f'), 'utf8')).toBe('x');
  });
});

describe('withFileLock', () => {
  it('serialises holders in one process', async () => {
    const lockPath = join(dir, 'l.lock');
    const order: string[] = [];
    const hold = (name: string) =>
      withFileLock(lockPath, async () => {
        order.push(`${name}+`);
        await new Promise((r) => setTimeout(r, 50));
        order.push(`${name}-`);
      });
    await Promise.all([hold('a'), hold('b')]);
    // Whichever wins, the two critical sections never interleave.
    expect([
      ['a+', 'a-', 'b+', 'b-'],
      ['b+', 'b-', 'a+', 'a-'],
    ]).toContainEqual(order);
  });

  it('takes over a lock left by a dead process', async () => {
    const lockPath = join(dir, 'l.lock');
    // A pid that certainly ended: a child that already exited.
    const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
      encoding: 'utf8',
    });
    await writeFile(lockPath, `${child.stdout}\n`);
    expect(await withFileLock(lockPath, async () => 'ran', { deadlineMs: 1000 })).toBe('ran');
  });

  it('waits for a live holder until the deadline, then names the lock and the owner', async () => {
    const lockPath = join(dir, 'l.lock');
    await writeFile(lockPath, `${process.pid}\n`);
    await expect(
      withFileLock(lockPath, async () => 'ran', { deadlineMs: 200 }),
    ).rejects.toMatchObject({
      code: 'CACHE_LOCK_TIMEOUT',
      message: expect.stringContaining(`held by pid ${process.pid}`),
      hint: expect.stringContaining(`delete ${lockPath}`),
    });
  });
});
