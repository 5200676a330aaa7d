import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type FixtureServer,
  fixtureBytes,
  sha256,
  startFixtureServer,
} from '../test/http-fixture.js';
import { defaultConfig } from './config/default.js';
import { validateConfig } from './config/schema.js';
import type { ComponentInput, UcvmConfig } from './config/types.js';
import { type FetchEvent, fetchComponents, parseOverrides } from './fetch.js';
import { listComponents } from './list.js';
import { emptyLockfile } from './lockfile.js';

let server: FixtureServer;
let dir: string;
const tarball = fixtureBytes(200_000, 3);

beforeAll(async () => {
  server = await startFixtureServer();
  server.serve('/kernel.tar.xz', tarball);
});
afterAll(async () => {
  await server.close();
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ucvm-fetch-'));
  server.hits.clear();
  await mkdir(join(dir, 'tree', 'bin'), { recursive: true });
  await writeFile(join(dir, 'tree', 'bin', 'tool'), '#!/bin/sh\n');
  await chmod(join(dir, 'tree', 'bin', 'tool'), 0o755);
  await writeFile(join(dir, 'extra.bin'), 'extra');
});

function config(components: ComponentInput[]): UcvmConfig {
  return validateConfig({ ...defaultConfig, components });
}
const urlComponent = (sha = sha256(tarball)): ComponentInput => ({
  name: 'kernel',
  version: '6.1.192',
  role: 'kernel',
  source: { kind: 'url', url: server.url('/kernel.tar.xz') },
  sha256: sha,
});
const pathComponents: ComponentInput[] = [
  { name: 'tree', version: '1', source: { kind: 'path', path: 'tree' }, initrd: ['bin/tool'] },
  { name: 'extra', version: '2:1.0~rc1', release: 3, source: { kind: 'path', path: 'extra.bin' } },
];

describe('fetchComponents', () => {
  it('resolves url and path sources, writes the lock, and a second run does no network I/O', async () => {
    const cfg = config([urlComponent(), ...pathComponents]);
    const events: FetchEvent[] = [];
    const first = await fetchComponents(cfg, {
      cacheDir: join(dir, 'cache'),
      baseDir: dir,
      onEvent: (e) => events.push(e),
    });
    expect(first.failures).toEqual([]);
    expect(first.components.map((c) => [c.name, c.kind, c.format, c.downloaded])).toEqual([
      ['kernel', 'file', 'tar.xz', true],
      ['tree', 'directory', 'directory', false],
      ['extra', 'file', 'file', false],
    ]);
    expect(first.components[2]!.strongVersion).toBe('1.0~rc1-3.cernvm.x86_64');
    expect(first.lockChanged).toBe(true);
    expect(Object.keys(first.lock.components)).toEqual(['kernel', 'tree', 'extra']);
    expect(first.lock.components['kernel']).toEqual({
      source: `url:${server.url('/kernel.tar.xz')}`,
      version: '6.1.192',
      sha256: sha256(tarball),
      size: 200_000,
      kind: 'file',
      fileName: 'kernel.tar.xz',
    });
    expect(events.filter((e) => e.type === 'done').length).toBe(3);
    expect(events.some((e) => e.type === 'progress' && e.received === 200_000)).toBe(true);

    const second = await fetchComponents(cfg, {
      cacheDir: join(dir, 'cache'),
      baseDir: dir,
      lock: first.lock,
    });
    expect(second.failures).toEqual([]);
    expect(second.lockChanged).toBe(false);
    expect(second.components.every((c) => !c.downloaded)).toBe(true);
    expect(server.hits.get('/kernel.tar.xz')).toBe(1);
    // The listing shows digests from the config and the lock.
    const rows = listComponents(cfg, second.lock);
    expect(
      rows.map((r) => [
        r.name,
        r.digestFrom,
        r.sha256 === second.components.find((c) => c.name === r.name)!.sha256,
      ]),
    ).toEqual([
      ['kernel', 'config', true],
      ['tree', 'lock', true],
      ['extra', 'lock', true],
    ]);
  });

  it('a lock mismatch names the component, expected, actual and the fix', async () => {
    const cfg = config(pathComponents);
    const first = await fetchComponents(cfg, { cacheDir: join(dir, 'cache'), baseDir: dir });
    await writeFile(join(dir, 'extra.bin'), 'changed');
    const second = await fetchComponents(cfg, {
      cacheDir: join(dir, 'cache'),
      baseDir: dir,
      lock: first.lock,
    });
    expect(second.failures).toHaveLength(1);
    const { component, error } = second.failures[0]!;
    expect(component).toBe('extra');
    expect(error.code).toBe('LOCK_MISMATCH');
    expect(error.message).toBe(
      `component extra: ucvm.lock expects sha256 ${sha256('extra')}, path:extra.bin gave ${sha256('changed')}`,
    );
    expect(error.hint).toContain('ucvm fetch --update-lock');
    expect(second.lock).toEqual(first.lock);
    // --update-lock records the new digest.
    const updated = await fetchComponents(cfg, {
      cacheDir: join(dir, 'cache'),
      baseDir: dir,
      lock: first.lock,
      updateLock: true,
    });
    expect(updated.failures).toEqual([]);
    expect(updated.lock.components['extra']!.sha256).toBe(sha256('changed'));
    expect(updated.lockChanged).toBe(true);
  });

  it('a changed source is a stale lock entry until --update-lock; updating drops unknown entries', async () => {
    const cfg = config([urlComponent()]);
    const lock = emptyLockfile();
    lock.components['kernel'] = {
      source: 'url:http://old/k.tar.xz',
      version: '6.0',
      sha256: 'a'.repeat(64),
      size: 1,
      kind: 'file',
      fileName: 'k.tar.xz',
    };
    lock.components['gone'] = {
      source: 'apt:gone=1',
      version: '1',
      sha256: 'b'.repeat(64),
      size: 1,
      kind: 'file',
      fileName: 'g.deb',
    };
    const stale = await fetchComponents(cfg, { cacheDir: join(dir, 'cache'), baseDir: dir, lock });
    expect(stale.failures[0]!.error).toMatchObject({
      code: 'LOCK_STALE',
      message: expect.stringContaining('ucvm.lock records url:http://old/k.tar.xz'),
    });
    expect(server.hits.get('/kernel.tar.xz')).toBeUndefined();
    const updated = await fetchComponents(cfg, {
      cacheDir: join(dir, 'cache'),
      baseDir: dir,
      lock,
      updateLock: true,
    });
    expect(Object.keys(updated.lock.components)).toEqual(['kernel']);
  });

  it('a wrong url pin fails that component only; the others are still fetched', async () => {
    const cfg = config([urlComponent('0'.repeat(64)), ...pathComponents]);
    const r = await fetchComponents(cfg, { cacheDir: join(dir, 'cache'), baseDir: dir });
    expect(r.components.map((c) => c.name)).toEqual(['tree', 'extra']);
    expect(r.failures.map((f) => [f.component, f.error.code])).toEqual([
      ['kernel', 'DIGEST_MISMATCH'],
    ]);
    expect(r.failures[0]!.error.message).toContain(`expected ${'0'.repeat(64)}`);
    expect(r.failures[0]!.error.message).toContain(server.url('/kernel.tar.xz'));
  });

  it('--component NAME=PATH overrides a source and is not written to the lock; --skip skips', async () => {
    const cfg = config([urlComponent(), ...pathComponents]);
    const overrides = parseOverrides(['kernel=extra.bin'], cfg);
    const r = await fetchComponents(cfg, {
      cacheDir: join(dir, 'cache'),
      baseDir: dir,
      overrides,
      skip: ['tree'],
    });
    expect(r.failures).toEqual([]);
    expect(r.skipped).toEqual(['tree']);
    const k = r.components.find((c) => c.name === 'kernel')!;
    expect(k).toMatchObject({
      origin: 'override',
      source: `path:${join(dir, 'extra.bin')}`,
      sha256: sha256('extra'),
      downloaded: false,
    });
    expect(Object.keys(r.lock.components)).toEqual(['extra']);
    expect(server.hits.size).toBe(0);
    expect(() => parseOverrides(['nope=x'], cfg)).toThrow(/there is no component "nope"/);
    expect(() => parseOverrides(['kernel'], cfg)).toThrow(/is not NAME=PATH/);
    await expect(
      fetchComponents(cfg, { cacheDir: join(dir, 'cache'), baseDir: dir, skip: ['nope'] }),
    ).rejects.toMatchObject({ code: 'OVERRIDE_INVALID', exitCode: 2 });
  });

  it('a missing path names the component and the path', async () => {
    const cfg = config([
      { name: 'x', version: '1', source: { kind: 'path', path: 'missing.deb' } },
    ]);
    const r = await fetchComponents(cfg, { cacheDir: join(dir, 'cache'), baseDir: dir });
    expect(r.failures[0]!.error.message).toBe(
      `component x: path ${join(dir, 'missing.deb')} does not exist`,
    );
  });
});
