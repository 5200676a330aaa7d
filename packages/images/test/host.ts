// Test helpers: independent host tools (testing.md: every writer is cross-checked by a reader
// that is not ours). Missing tools fail the test with the package to install.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

const PACKAGES: Record<string, string> = {
  sfdisk: 'fdisk',
  'fsck.fat': 'dosfstools',
  mdir: 'mtools',
  mcopy: 'mtools',
  xorriso: 'xorriso',
  syslinux: 'syslinux',
  xmllint: 'libxml2-utils',
  'qemu-img': 'qemu-utils',
};

export function tool(name: string): string {
  const r = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  if (r.status !== 0) {
    throw new Error(`host tool ${name} missing: apt-get install -y ${PACKAGES[name] ?? name}`);
  }
  return r.stdout.trim();
}

export function run(cmd: string, args: string[], env: Record<string, string> = {}): string {
  tool(cmd);
  return execFileSync(cmd, args, {
    encoding: 'utf8',
    env: { ...process.env, LC_ALL: 'C', TZ: 'UTC', MTOOLS_SKIP_CHECK: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 60_000,
    maxBuffer: 64 * 1024 * 1024,
  });
}

/** Like run, but returns status and both streams instead of throwing. */
export function runStatus(cmd: string, args: string[]) {
  tool(cmd);
  const r = spawnSync(cmd, args, {
    encoding: 'utf8',
    env: { ...process.env, LC_ALL: 'C', TZ: 'UTC', MTOOLS_SKIP_CHECK: '1' },
    timeout: 60_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A temporary directory removed after the test file. */
export function scratch(): string {
  const d = mkdtempSync(join(tmpdir(), 'ucvm-images-test-'));
  afterAll(() => rmSync(d, { recursive: true, force: true }));
  return d;
}
