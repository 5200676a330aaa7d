// 06-extracontext (runtime.md §3 06, userdata.md §9): chunks and the pickup
// archive from read-only probe mounts, one parse of user data + chunks.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Fixture, MiB } from './harness.js';

let fx: Fixture;
afterEach(() => fx?.cleanup());

function cernvm(f: Fixture, dev: string, files: Record<string, string>): void {
  const dir = f.path('fix/media', dev, 'cernvm');
  mkdirSync(dir, { recursive: true });
  for (const [n, c] of Object.entries(files)) writeFileSync(join(dir, n), c);
}

function run(f: Fixture, before = 'UCVM_FIRST_BOOT=1') {
  expect(f.stage('02-devices', { before: 'UCVM_FIRST_BOOT=1' }).status).toBe(0);
  return f.stage('06-extracontext', { before });
}

describe('06-extracontext', () => {
  it('chunks in natural device order (BOM removed, LF added), parsed with the user data; last pickup wins', () => {
    fx = new Fixture({ cmdline: 'ucvm_devwait=0' });
    fx.disk('vda', {
      sectors: 64 * MiB,
      parts: [{ num: 1, start: 2048, size: 16 * MiB, blkid: { TYPE: 'vfat', LABEL: 'UCVM' } }],
    });
    fx.disk('vdb', { sectors: 64 * MiB, blkid: { TYPE: 'ext4' } });
    fx.disk('sr0', { sectors: 1 * MiB, blkid: { TYPE: 'iso9660' } });
    fx.disk('vdc', { sectors: 64 * MiB, blkid: { TYPE: 'swap' } });
    cernvm(fx, 'vda1', {
      'extra-user-data': '\ufeff[ucernvm-begin]\ncvmfs_http_proxy=DIRECT\n[ucernvm-end]',
      'pickup.tar.gz': 'first',
    });
    cernvm(fx, 'vdb', { 'pickup.tar.gz': 'second' });
    cernvm(fx, 'sr0', { 'extra-user-data': '[ucernvm-begin]\ncernvm_path=x/y\n[ucernvm-end]\n' });
    cernvm(fx, 'vdc', { 'extra-user-data': 'never read' });
    writeFileSync(
      fx.path('run/ucvm/context/user-data'),
      '[ucernvm-begin]\ncvmfs_branch=a.cern.ch\ncvmfs_http_proxy=http://p:3128\n[ucernvm-end]\n',
    );
    const r = run(fx);
    expect(r.stdout).toContain(
      '[ucvm] 06-extracontext: ok extra=sr0,vda1 pickup=vdb keys=3 warnings=0',
    );
    expect(r.stdout).toContain('info pickup.tar.gz on /dev/vda1 replaced by the one on /dev/vdb');
    const ctx = 'run/ucvm/context';
    expect(fx.read(ctx, 'extra-user-data')).toBe(
      '[ucernvm-begin]\ncernvm_path=x/y\n[ucernvm-end]\n[ucernvm-begin]\ncvmfs_http_proxy=DIRECT\n[ucernvm-end]\n',
    );
    expect(fx.read(ctx, 'ucontext')).toContain("_UCONTEXT_CVMFS_BRANCH='a.cern.ch'\n");
    expect(fx.read(ctx, 'extra-ucontext')).toBe(
      "# ucvm-context 1\n_UCONTEXT_CERNVM_PATH='x/y'\n_UCONTEXT_CVMFS_HTTP_PROXY='DIRECT'\n",
    );
    expect(fx.read(ctx, 'pickup.tar.gz')).toBe('second');
    // probe mounts: read-only, no journal replay on ext4; swap is not mounted
    const mounts = fx.calls('mount').filter((c) => c[c.length - 1]?.endsWith('/extra-mnt'));
    expect(mounts.map((c) => c[c.length - 2]?.split('/').pop())).toEqual(['sr0', 'vda1', 'vdb']);
    expect(mounts.find((c) => c.includes('ext4'))).toContain('ro,nodev,nosuid,noexec,noload');
  });

  it('parser warnings become info lines with code and location only', () => {
    fx = new Fixture({ cmdline: 'ucvm_devwait=0' });
    writeFileSync(
      fx.path('run/ucvm/context/user-data'),
      '[ucernvm-begin]\nsecret value line\ncvmfs_branch=$(reboot)\n[ucernvm-end]\n',
    );
    const r = run(fx);
    expect(r.stdout).toMatch(/ok extra=none pickup=none keys=0 warnings=2/);
    expect(r.stdout).toContain('info user data warning W_NO_EQUALS user 0 2');
    expect(r.stdout).not.toContain('secret');
    expect(r.stdout).not.toContain('reboot');
    expect(fx.read('run/ucvm/context/warnings').split('\n').length).toBe(3);
  });

  it('no user data and no chunks: empty maps; a later boot skips', () => {
    fx = new Fixture({ cmdline: 'ucvm_devwait=0' });
    expect(run(fx).stdout).toContain('ok extra=none pickup=none keys=0 warnings=0');
    expect(fx.read('run/ucvm/context/ucontext')).toBe('# ucvm-context 1\n');
    expect(run(fx, 'UCVM_FIRST_BOOT=0').stdout).toContain(
      '[ucvm] 06-extracontext: skip not a first boot',
    );
  });
});
