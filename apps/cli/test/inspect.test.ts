import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildInitrd } from '@ucvm/initrd';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ucvm-cli-inspect-'));
  const result = await buildInitrd({
    components: [
      { name: 'host', root: '/', files: [{ from: 'usr/bin/busybox', to: 'sbin/busybox' }] },
    ],
    strongVersion: '2026.11-1.cernvm.x86_64',
    sourceDateEpoch: 1700000000,
    compression: 'gzip',
    // A busybox-only initrd to inspect, not to boot: list missing init commands, don't fail.
    commandCheck: 'record',
  });
  await writeFile(join(dir, 'initrd.2026.11-1.cernvm.x86_64'), result.bytes);
  await writeFile(join(dir, 'not-an-initrd'), 'hello\n');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('ucvm inspect', () => {
  it('shows version, sizes, components and (with --tree) every entry', async () => {
    const r = await runCli(['inspect', '--tree', 'initrd.2026.11-1.cernvm.x86_64'], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('initrd: 2026.11-1.cernvm.x86_64');
    expect(r.stdout).toMatch(/compression: gzip, .* cpio /);
    expect(r.stdout).toMatch(/components:\n {2}host +\d+ entries/);
    expect(r.stdout).toContain('build.conf: version=2026.11-1.cernvm.x86_64');
    expect(r.stdout).toMatch(/symlink +0777 +\d+ {2}bin\/sh -> \.\.\/sbin\/busybox/);
    expect(r.stdout).toMatch(/char +0600 +0 {2}dev\/console/);
  });

  it('prints JSON with --json', async () => {
    const r = await runCli(['inspect', '--json', 'initrd.2026.11-1.cernvm.x86_64'], dir);
    expect(r.code).toBe(0);
    const seen = JSON.parse(r.stdout) as {
      version: string;
      compression: string;
      entries: { path: string }[];
    };
    expect(seen.version).toBe('2026.11-1.cernvm.x86_64');
    expect(seen.compression).toBe('gzip');
    expect(seen.entries.some((e) => e.path === 'sbin/busybox')).toBe(true);
  });

  it('refuses a file that is neither an initrd nor an image with exit code 2', async () => {
    const r = await runCli(['inspect', 'not-an-initrd'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('[INSPECT_UNKNOWN_FILE]');
    expect(r.stderr).toContain('is not a file ucvm inspects');
    // The hint lists what inspect reads.
    expect(r.stderr).toMatch(/hint: ucvm inspect reads: ISO 9660 .*qcow2.*initrds/);
  });
});

describe('ucvm initrd', () => {
  it('refuses an unknown compression with exit code 2 before fetching anything', async () => {
    const r = await runCli(
      ['initrd', '--compression', 'lz4', '--cache-dir', join(dir, 'cache')],
      dir,
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/compression "lz4" is not supported/);
  });
});
