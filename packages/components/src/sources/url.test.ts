import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type FixtureServer,
  fixtureBytes,
  sha256,
  startFixtureServer,
} from '../../test/http-fixture.js';
import { CacheStore, sha256File } from '../cache/store.js';
import { fetchUrl } from './url.js';

let server: FixtureServer;
let dir: string;
const body = fixtureBytes(300_000, 7);
const digest = sha256(body);

beforeAll(async () => {
  server = await startFixtureServer();
});
afterAll(async () => {
  await server.close();
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ucvm-url-'));
  server.hits.clear();
});

describe('fetchUrl', () => {
  it('downloads once; a second fetch is a verified cache hit with no request', async () => {
    server.serve('/a.tar.gz', body);
    const store = new CacheStore(dir);
    const first = await fetchUrl({
      component: 'a',
      url: server.url('/a.tar.gz'),
      sha256: digest,
      store,
    });
    expect(first.downloaded).toBe(true);
    expect((await sha256File(first.object.path)).sha256).toBe(digest);
    const second = await fetchUrl({
      component: 'a',
      url: server.url('/a.tar.gz'),
      sha256: digest,
      store,
    });
    expect(second.downloaded).toBe(false);
    expect(server.hits.get('/a.tar.gz')).toBe(1);
  });

  it('refuses a wrong digest and leaves nothing in the cache', async () => {
    server.serve('/b.bin', body);
    const wrong = sha256('something else');
    const store = new CacheStore(dir);
    await expect(
      fetchUrl({ component: 'b', url: server.url('/b.bin'), sha256: wrong, store }),
    ).rejects.toMatchObject({
      code: 'DIGEST_MISMATCH',
      message: `component b: ${server.url('/b.bin')} has sha256 ${digest} (300000 bytes), expected ${wrong}`,
    });
    expect(await readdir(join(dir, 'tmp'))).toEqual([]);
    await expect(readdir(join(dir, 'objects'))).rejects.toThrow();
  });

  it('two concurrent fetches of the same file: both succeed, one download', async () => {
    server.serve('/c.bin', body, { delayMs: 200 });
    const url = server.url('/c.bin');
    // Two stores on the same directory: as two ucvm processes sharing the cache.
    const [x, y] = await Promise.all([
      fetchUrl({ component: 'c', url, sha256: digest, store: new CacheStore(dir) }),
      fetchUrl({ component: 'c', url, sha256: digest, store: new CacheStore(dir) }),
    ]);
    expect(x.object.path).toBe(y.object.path);
    expect([x.downloaded, y.downloaded].sort()).toEqual([false, true]);
    expect(server.hits.get('/c.bin')).toBe(1);
    expect((await sha256File(x.object.path)).sha256).toBe(digest);
    expect(await readdir(join(dir, 'tmp'))).toEqual([]);
  });

  it('a corrupt cache entry is detected and fetched again', async () => {
    server.serve('/d.bin', body);
    const store = new CacheStore(dir);
    const first = await fetchUrl({
      component: 'd',
      url: server.url('/d.bin'),
      sha256: digest,
      store,
    });
    await writeFile(first.object.path, 'garbage');
    const again = await fetchUrl({
      component: 'd',
      url: server.url('/d.bin'),
      sha256: digest,
      store,
    });
    expect(again.downloaded).toBe(true);
    expect(server.hits.get('/d.bin')).toBe(2);
    expect((await sha256File(again.object.path)).sha256).toBe(digest);
  });

  it('a truncated download does not enter the cache', async () => {
    const store = new CacheStore(dir);
    await expect(
      fetchUrl({
        component: 'e',
        url: server.url('/truncated'),
        sha256: digest,
        store,
        http: { retries: 0 },
      }),
    ).rejects.toMatchObject({ code: 'HTTP_TRUNCATED' });
    expect(await store.get(digest)).toBeUndefined();
    expect(await readdir(join(dir, 'tmp'))).toEqual([]);
  });
});
