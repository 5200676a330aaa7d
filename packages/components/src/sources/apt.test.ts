import { execFileSync } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FixtureServer, startFixtureServer } from '../../test/http-fixture.js';
import { CacheStore, sha256File } from '../cache/store.js';
import { unpackArchive } from '../unpack/index.js';
import { aptShow, fetchApt, parseRecords } from './apt.js';

/**
 * These tests REALLY run the host's apt (Debian 12 here) for the small `hostname` package,
 * pinned to the exact version `apt-cache policy` reports now.
 */
const PKG = 'hostname';
const candidate = /Candidate:\s*(\S+)/.exec(
  execFileSync('apt-cache', ['policy', PKG], { encoding: 'utf8' }),
)?.[1];

let dir: string;
let log: string;
let aptGet: string;
let aptCache: string;

beforeAll(async () => {
  if (!candidate || candidate === '(none)') {
    throw new Error(
      `apt has no candidate for ${PKG}: run apt-get update (the apt tests need the host's package lists)`,
    );
  }
  dir = await mkdtemp(join(tmpdir(), 'ucvm-apt-'));
  log = join(dir, 'spawned.log');
  // Counting wrappers: only the command path is replaced, the real apt does the work.
  for (const tool of ['apt-get', 'apt-cache']) {
    const w = join(dir, tool);
    await writeFile(w, `#!/bin/sh\necho "${tool} $*" >> '${log}'\nexec ${tool} "$@"\n`);
    await chmod(w, 0o755);
  }
  aptGet = join(dir, 'apt-get');
  aptCache = join(dir, 'apt-cache');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const spawned = async () =>
  (await readFile(log, 'utf8').catch(() => '')).trim().split('\n').filter(Boolean);

// apt-cache and apt-get each take seconds on a loaded 2-core machine; the apt runner has its own deadlines.
describe('apt source (real apt-get download)', { timeout: 180_000 }, () => {
  it('downloads the exact version, verified against apt-cache SHA256, unpackable; then no apt at all', async () => {
    const store = new CacheStore(join(dir, 'cache'));
    const apt = { aptGet, aptCache, downloadTimeoutMs: 120_000 };
    const first = await fetchApt({ component: PKG, package: PKG, version: candidate!, store, apt });
    expect(first.downloaded).toBe(true);
    const show = parseRecords(
      execFileSync('apt-cache', ['show', '--no-all-versions', `${PKG}=${candidate}`], {
        encoding: 'utf8',
      }),
    )[0]!;
    expect(first.object.sha256).toBe(show['SHA256']);
    expect((await sha256File(first.object.path)).sha256).toBe(show['SHA256']);
    expect(first.info.fileName).toBe(show['Filename']!.split('/').pop());
    expect(
      (await spawned()).filter((l) => l.startsWith('apt-get') && l.includes(' download ')),
    ).toHaveLength(1);

    const tree = join(dir, 'tree');
    await unpackArchive(new Uint8Array(await readFile(first.object.path)), tree, { kind: 'deb' });
    expect((await stat(join(tree, 'bin', 'hostname'))).isFile()).toBe(true);

    // Known digest (as from ucvm.lock) + cache hit: apt is not spawned, and need not exist.
    const before = (await spawned()).length;
    const again = await fetchApt({
      component: PKG,
      package: PKG,
      version: candidate!,
      store,
      lockedSha256: first.object.sha256,
      apt: { aptGet: '/nonexistent/apt-get', aptCache: '/nonexistent/apt-cache' },
    });
    expect(again.downloaded).toBe(false);
    expect(again.object.path).toBe(first.object.path);
    expect((await spawned()).length).toBe(before);

    // Without a lock digest: apt-cache is asked, apt-get is not (the .deb is in the cache).
    const third = await fetchApt({ component: PKG, package: PKG, version: candidate!, store, apt });
    expect(third.downloaded).toBe(false);
    expect((await spawned()).filter((l) => l.startsWith('apt-get'))).toHaveLength(1);
  });

  it('a version that left the archive says so, with the candidate and how to move the pin', async () => {
    const store = new CacheStore(join(dir, 'cache2'));
    const err = await fetchApt({
      component: PKG,
      package: PKG,
      version: '0.1-gone',
      store,
      apt: { aptGet, aptCache },
    }).catch((e) => e);
    expect(err).toMatchObject({ code: 'APT_VERSION_GONE' });
    expect(err.message).toBe(
      `component ${PKG}: version 0.1-gone of apt package ${PKG} is no longer in the archive (apt-cache policy ${PKG}: candidate ${candidate})`,
    );
    expect(err.hint).toContain(`set version "${candidate}"`);
    expect(err.hint).toContain('ucvm fetch --update-lock');
  });

  it('a package apt does not have (like cvmfs here) says how to provide it', async () => {
    const store = new CacheStore(join(dir, 'cache3'));
    const err = await fetchApt({
      component: 'cvmfs',
      package: 'ucvm-no-such-package',
      version: '1.0',
      store,
      apt: { aptGet, aptCache },
    }).catch((e) => e);
    expect(err).toMatchObject({
      code: 'APT_PACKAGE_NOT_FOUND',
      message: `component cvmfs: apt package "ucvm-no-such-package" is not in this host's apt sources`,
    });
    expect(err.hint).toContain('--component cvmfs=PATH');
  });

  it('aptShow reads the pool name, size and digest', async () => {
    const info = await aptShow(PKG, PKG, candidate!);
    expect(info).toMatchObject({
      package: PKG,
      version: candidate,
      fileName: expect.stringMatching(/^hostname_.*\.deb$/),
    });
    expect(info.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  describe('an unreachable archive', () => {
    let server: FixtureServer;
    beforeAll(async () => {
      server = await startFixtureServer();
    });
    afterAll(async () => {
      await server.close();
    });

    it('fails clearly within the deadline instead of hanging', async () => {
      // apt reaches the archive through a proxy that accepts connections and never answers.
      const store = new CacheStore(join(dir, 'cache4'));
      const t0 = performance.now();
      const saved = process.env['http_proxy'];
      process.env['http_proxy'] = server.url('/hang').replace(/\/hang$/, '/');
      try {
        const err = await fetchApt({
          component: PKG,
          package: PKG,
          version: candidate!,
          store,
          apt: { aptGet, aptCache, acquireTimeoutSec: 1, downloadTimeoutMs: 8000 },
        }).catch((e) => e);
        expect(['APT_FAILED', 'APT_TIMEOUT']).toContain(err.code);
        expect(err.message).toContain(`apt-get download ${PKG}=${candidate}`);
        // apt really went to the (silent) archive proxy for the .deb.
        expect([...server.hits.keys()].some((k) => k.endsWith('.deb'))).toBe(true);
      } finally {
        if (saved === undefined) delete process.env['http_proxy'];
        else process.env['http_proxy'] = saved;
      }
      // apt-get gives up after its 1 s acquire timeout (8 s is our hard limit); apt-cache
      // itself takes seconds here (no pkgcache.bin: every run re-reads the lists).
      expect(performance.now() - t0).toBeLessThan(30_000);
      expect(await store.get('0'.repeat(64))).toBeUndefined();
    });
  });
});
