import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

/** A PATH holding only the named host programs (and the shell tools they need). */
async function pathWith(dir: string, programs: string[]): Promise<string> {
  for (const p of programs) await symlink(`/usr/bin/${p}`, join(dir, p));
  return dir;
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ucvm-doctor-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('ucvm doctor', () => {
  it('on the CI host: every build tool present with a version line, exit 0', async () => {
    const r = await runCli(['doctor', '--json'], process.cwd(), { PATH: process.env.PATH ?? '' });
    expect(r.stderr).toBe('');
    const report = JSON.parse(r.stdout);
    expect(r.code).toBe(0);
    expect(report.ok).toBe(true);
    const byName = Object.fromEntries(
      report.tools.map((t: { name: string; version?: string }) => [t.name, t.version]),
    );
    expect(byName['grub-mkimage']).toMatch(/grub-mkimage \(GRUB\) 2\./);
    expect(byName.syslinux).toMatch(/syslinux 6\./);
    expect(byName.xz).toMatch(/xz \(XZ Utils\)/);
    expect(byName['qemu-img']).toMatch(/qemu-img version/);
    expect(report.install).toEqual([]);
  });

  it('names each missing tool with its Debian package and fails when a build tool is missing', async () => {
    const path = await pathWith(dir, ['xz', 'zstd']);
    const r = await runCli(['doctor'], process.cwd(), { PATH: path });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('grub-mkimage');
    expect(r.stdout).toMatch(/grub-mkimage\s+build\s+MISSING \(Debian package grub-common\)/);
    expect(r.stdout).toMatch(/syslinux\s+build\s+MISSING \(Debian package syslinux\)/);
    expect(r.stdout).toMatch(/^xz\s+build\s+xz \(XZ Utils\)/m);
    const install = r.stdout.split('\n').find((l) => l.startsWith('to install'));
    expect(install).toBe(
      'to install what is missing: apt-get install -y grub-common openssl qemu-system-x86 qemu-utils syslinux',
    );
    expect(r.stdout).toContain('ucvm build cannot run on this host yet');
  });
});
