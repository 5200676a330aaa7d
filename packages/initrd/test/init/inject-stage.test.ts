// 25-inject (runtime.md §3 25-inject, §7 item 4): cernvm_inject and the pickup archive are
// checked whole, then extracted by chroot into the OS root (real chroot: the suite runs as
// root), so an absolute symlink of the OS resolves inside it.
import {
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Entry, tgz } from '../../../userdata/test/tar-writer.js';
import { BUSYBOX, Fixture, RESULT_RE } from './harness.js';

let fx: Fixture;
let rw: string;
let env: Record<string, string>;

beforeEach(() => {
  fx = new Fixture();
  // after 20-union: scratch below the OS root at /mnt/.rw
  rw = join(fx.newroot, 'mnt/.rw');
  mkdirSync(join(rw, 'context'), { recursive: true });
  mkdirSync(join(rw, 'aux'), { recursive: true });
  mkdirSync(join(fx.prefix, 'bin'), { recursive: true });
  copyFileSync(BUSYBOX === 'busybox' ? '/bin/busybox' : BUSYBOX, join(fx.prefix, 'bin/busybox'));
  // the OS has /etc as an absolute symlink: it must resolve inside the OS root
  mkdirSync(join(fx.newroot, 'osetc'));
  symlinkSync('/osetc', join(fx.newroot, 'etc'));
  env = { UCVM_RW: rw, UCVM_CTX_DIR: join(rw, 'context') };
});
afterEach(() => fx.cleanup());

function inject(...entries: Entry[]): void {
  const b64 = Buffer.from(tgz(...entries)).toString('base64');
  writeFileSync(join(rw, 'context/ucontext'), `_UCONTEXT_CERNVM_INJECT='${b64}'\n`);
}

function run(before = ''): string[] {
  const r = fx.stage('25-inject', { env, before });
  expect(r.status, r.stderr).toBe(0);
  const lines = r.stdout.split('\n').filter((l) => l !== '');
  for (const l of lines) expect(l).toMatch(RESULT_RE);
  return lines;
}

describe('25-inject', () => {
  it('extracts a checked archive inside the OS root and marks context/injected', () => {
    inject(
      { name: 'etc/', type: '5', mode: 0o755 },
      { name: 'etc/motd', data: 'hello\n', mode: 0o4755, uid: 1234, gid: 567 },
      { name: 'opt/app.conf', data: 'x=1\n' },
    );
    expect(run()).toEqual(['[ucvm] 25-inject: ok injected 3 entries']);
    const motd = join(fx.newroot, 'osetc/motd');
    expect(readFileSync(motd, 'utf8')).toBe('hello\n');
    const st = lstatSync(motd);
    expect([st.mode & 0o7777, st.uid, st.gid]).toEqual([0o4755, 1234, 567]);
    expect(readFileSync(join(fx.newroot, 'opt/app.conf'), 'utf8')).toBe('x=1\n');
    expect(lstatSync(join(fx.newroot, 'etc')).isSymbolicLink()).toBe(true);
    expect(readFileSync(join(rw, 'context/injected'), 'utf8')).toBe('entries=3\n');
    expect(existsSync(join(rw, 'aux/.ucvm-untar'))).toBe(false);
    expect(existsSync(join(fx.run, 'inject.tar.gz'))).toBe(false);
    // compat: injected once; a later boot skips
    expect(run()).toEqual(['[ucvm] 25-inject: skip nothing to inject']);
  });

  it('refuses an archive with a ../ member whole: nothing extracted, reason kept', () => {
    inject({ name: 'opt/first', data: 'a' }, { name: '../escape', data: 'b' });
    expect(run()).toEqual([
      '[ucvm] 25-inject: warn cernvm_inject rejected: parent reference ../escape',
    ]);
    expect(existsSync(join(fx.newroot, 'opt'))).toBe(false);
    expect(existsSync(join(fx.newroot, '..', 'escape'))).toBe(false);
    expect(readFileSync(join(rw, 'context/inject-rejected'), 'utf8')).toBe(
      'parent reference ../escape\n',
    );
    expect(fx.read('run/ucvm/log/boot.log')).toContain('cernvm_inject rejected: parent reference');
    // not retried
    expect(run()).toEqual(['[ucvm] 25-inject: skip nothing to inject']);
  });

  it.each<[string, Entry[]]>([
    ['absolute path /etc/x', [{ name: '/etc/x' }]],
    ['through symlink l/x', [{ name: 'l', type: '2', linkname: '/etc' }, { name: 'l/x' }]],
    ['link escapes h', [{ name: 'h', type: '1', linkname: '/etc/shadow' }]],
    ['unsupported type dev/sda', [{ name: 'dev/sda', type: '4' }]],
  ])('refuses: %s', (reason, entries) => {
    inject({ name: 'opt/first', data: 'a' }, ...entries);
    expect(run()).toEqual([`[ucvm] 25-inject: warn cernvm_inject rejected: ${reason}`]);
    expect(existsSync(join(fx.newroot, 'opt'))).toBe(false);
  });

  it('skips without cernvm_inject and without a pickup archive', () => {
    writeFileSync(join(rw, 'context/ucontext'), "_UCONTEXT_CVMFS_BRANCH='x.cern.ch'\n");
    expect(run()).toEqual(['[ucvm] 25-inject: skip nothing to inject']);
  });

  it('extracts the pickup archive of a context boot after cernvm_inject (pickup wins)', () => {
    inject({ name: 'opt/same', data: 'from inject' }, { name: 'opt/only-inject', data: '1' });
    const pickup = tgz({ name: 'opt/same', data: 'from pickup' });
    writeFileSync(join(rw, 'context/pickup.tar.gz'), pickup);
    writeFileSync(join(fx.run, 'context/pickup.tar.gz'), pickup);
    expect(run('UCVM_CONTEXT_BOOT=1')).toEqual(['[ucvm] 25-inject: ok injected 3 entries']);
    expect(readFileSync(join(fx.newroot, 'opt/same'), 'utf8')).toBe('from pickup');
    // a later boot does not look at the persisted pickup copy again
    expect(run('UCVM_CONTEXT_BOOT=0')).toEqual(['[ucvm] 25-inject: skip nothing to inject']);
  });

  it('warns about a rejected pickup archive and keeps what cernvm_inject extracted', () => {
    inject({ name: 'opt/a', data: 'a' });
    const bad = tgz({ name: '/root/.ssh/authorized_keys', data: 'k' });
    writeFileSync(join(rw, 'context/pickup.tar.gz'), bad);
    writeFileSync(join(fx.run, 'context/pickup.tar.gz'), bad);
    expect(run('UCVM_CONTEXT_BOOT=1')).toEqual([
      '[ucvm] 25-inject: info injected 1 entries',
      '[ucvm] 25-inject: warn pickup archive rejected: absolute path /root/.ssh/authorized_keys',
    ]);
    expect(existsSync(join(fx.newroot, 'opt/a'))).toBe(true);
  });
});
