import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type FixtureServer,
  fixtureBytes,
  sha256,
  startFixtureServer,
} from '../../test/http-fixture.js';
import { download } from './http.js';

let server: FixtureServer;
let dir: string;
const body = fixtureBytes(600_000);
const quick = { connectTimeoutMs: 1000, idleTimeoutMs: 300, retries: 1, backoffMs: 20 };

beforeAll(async () => {
  server = await startFixtureServer();
  server.serve('/good', body);
  dir = await mkdtemp(join(tmpdir(), 'ucvm-http-'));
});
afterAll(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

describe('download', () => {
  it('downloads a file and reports progress up to the full size', async () => {
    const seen: [number, number | undefined][] = [];
    await download(server.url('/good'), join(dir, 'a'), {
      onProgress: (r, t) => seen.push([r, t]),
    });
    expect(sha256(await readFile(join(dir, 'a')))).toBe(sha256(body));
    expect(seen.at(-1)).toEqual([600_000, 600_000]);
    expect(seen.length).toBeGreaterThan(1);
  });

  it('follows redirects', async () => {
    await download(server.url('/redirect'), join(dir, 'b'));
    expect((await readFile(join(dir, 'b'))).length).toBe(600_000);
  });

  it('detects a truncated body and retries a bounded number of times', async () => {
    server.hits.delete('/truncated');
    const retries: number[] = [];
    await expect(
      download(server.url('/truncated'), join(dir, 'c'), {
        ...quick,
        retries: 2,
        onRetry: (n) => retries.push(n),
      }),
    ).rejects.toMatchObject({
      code: 'HTTP_TRUNCATED',
      message: expect.stringContaining('got 100 of 1000 bytes'),
    });
    expect(server.hits.get('/truncated')).toBe(3);
    expect(retries).toEqual([1, 2]);
  });

  it('gives up on a server that never answers within the deadline', async () => {
    const t0 = performance.now();
    await expect(download(server.url('/hang'), join(dir, 'd'), quick)).rejects.toMatchObject({
      code: 'HTTP_TIMEOUT',
      message: expect.stringContaining('no data for 300 ms'),
    });
    // 2 attempts × 300 ms + 20 ms back-off: well under 2 s.
    expect(performance.now() - t0).toBeLessThan(2000);
  });

  it('fails fast on 404, retries 5xx', async () => {
    await expect(download(server.url('/missing'), join(dir, 'e'), quick)).rejects.toMatchObject({
      code: 'HTTP_STATUS',
      message: expect.stringContaining('HTTP 404'),
    });
    expect(server.hits.get('/missing')).toBe(1);
    await expect(download(server.url('/error500'), join(dir, 'e'), quick)).rejects.toMatchObject({
      code: 'HTTP_STATUS',
    });
    expect(server.hits.get('/error500')).toBe(2);
  });

  it('reports a refused connection as a network error', async () => {
    // Port 1 on loopback: nothing listens there.
    await expect(
      download('http://127.0.0.1:1/x', join(dir, 'f'), { ...quick, retries: 0 }),
    ).rejects.toMatchObject({ code: 'HTTP_NETWORK' });
  });

  it('copies file:// URLs and refuses other schemes', async () => {
    await download(pathToFileURL(join(dir, 'a')).href, join(dir, 'g'));
    expect((await readFile(join(dir, 'g'))).length).toBe(600_000);
    await expect(download('ftp://127.0.0.1/x', join(dir, 'h'))).rejects.toMatchObject({
      code: 'URL_UNSUPPORTED',
      exitCode: 2,
    });
    await expect(
      download(pathToFileURL(join(dir, 'nope')).href, join(dir, 'h')),
    ).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' });
  });
});
