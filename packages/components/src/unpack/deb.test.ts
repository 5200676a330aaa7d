import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { unpackArchive } from './index.js';
import { describeTree } from './test-writers.js';

const work = mkdtempSync(join(tmpdir(), 'ucvm-deb-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const run = (cmd: string, args: string[], cwd = work): string =>
  execFileSync(cmd, args, { cwd, timeout: 120_000, encoding: 'utf8', maxBuffer: 1 << 26 });

/** dpkg-deb -x into a fresh directory, our unpacker into another; the trees must match. */
async function compareWithDpkg(deb: string, tag: string): Promise<string[]> {
  const ours = join(work, `${tag}-ours`);
  const theirs = join(work, `${tag}-dpkg`);
  run('dpkg-deb', ['-x', deb, theirs]);
  const result = await unpackArchive(readFileSync(deb), ours, { name: deb });
  const tree = await describeTree(ours);
  expect(tree).toEqual(await describeTree(theirs));
  expect(result.files + result.hardlinks).toBe(tree.filter((l) => l.includes(' file ')).length);
  return tree;
}

describe('unpackArchive on .deb', () => {
  const pkg = join(work, 'pkg');
  mkdirSync(join(pkg, 'DEBIAN'), { recursive: true });
  writeFileSync(
    join(pkg, 'DEBIAN/control'),
    'Package: ucvm-test\nVersion: 1.0\nArchitecture: all\nMaintainer: t <t@t>\nDescription: t\n',
  );
  const deep = join(pkg, 'usr/share', 'x'.repeat(90), 'y'.repeat(90));
  mkdirSync(deep, { recursive: true });
  writeFileSync(join(deep, 'z'.repeat(120)), 'deep\n');
  mkdirSync(join(pkg, 'usr/bin'), { recursive: true });
  writeFileSync(join(pkg, 'usr/bin/tool'), Buffer.alloc(300_000, 7));
  chmodSync(join(pkg, 'usr/bin/tool'), 0o755);
  symlinkSync('tool', join(pkg, 'usr/bin/alias'));
  mkdirSync(join(pkg, 'etc/private'), { recursive: true });
  chmodSync(join(pkg, 'etc/private'), 0o700);

  for (const compression of ['gzip', 'xz', 'zstd', 'none']) {
    it(`matches dpkg-deb -x for a package built with -Z${compression}`, async () => {
      const deb = join(work, `t-${compression}.deb`);
      run('dpkg-deb', ['--root-owner-group', `-Z${compression}`, '--build', pkg, deb]);
      const tree = await compareWithDpkg(deb, compression);
      expect(tree).toContain('usr/bin/alias symlink -> tool');
      expect(tree).toContain('etc/private dir 700');
    });
  }

  it('matches dpkg-deb -x for the real Debian package "hostname"', async () => {
    const dir = join(work, 'real');
    mkdirSync(dir);
    try {
      execFileSync('apt-get', ['download', 'hostname'], {
        cwd: dir,
        timeout: 120_000,
        stdio: 'pipe',
      });
    } catch (error) {
      throw new Error(
        `apt-get download hostname failed or timed out (Debian archive unreachable?): ${String(error)}`,
      );
    }
    const deb = readdirSync(dir).find((n) => n.endsWith('.deb'));
    expect(deb).toBeDefined();
    const tree = await compareWithDpkg(join(dir, deb as string), 'hostname');
    expect(tree.some((l) => /^bin\/hostname file 755 \d+ [0-9a-f]{16}$/.test(l))).toBe(true);
    expect(tree.some((l) => l.startsWith('bin/dnsdomainname symlink -> '))).toBe(true);
  }, 180_000);

  it('refuses a .deb without data.tar and one with an unknown format version', async () => {
    const { writeAr } = await import('./test-writers.js');
    await expect(
      unpackArchive(writeAr([{ name: 'debian-binary', data: '2.0\n' }]), join(work, 'n'), {
        name: 'x.deb',
      }),
    ).rejects.toThrow(/^x\.deb: no data\.tar member/);
    await expect(
      unpackArchive(writeAr([{ name: 'debian-binary', data: '3.0\n' }]), join(work, 'n'), {
        name: 'x.deb',
      }),
    ).rejects.toThrow(/^x\.deb: member "debian-binary": deb format "3\.0" is not supported/);
  });
});
