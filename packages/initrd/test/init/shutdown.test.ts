// 80-shutdown-prep and the /run/initramfs/shutdown script (runtime.md §3
// 80-shutdown-prep, §6.9): the environment it installs, and the shutdown
// steps (a)–(d) against a fixture /oldroot with shims for the machine.
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readlinkSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BUSYBOX, Fixture, LIB_DIR } from './harness.js';

let fx: Fixture;
afterEach(() => fx?.cleanup());

describe('80-shutdown-prep', () => {
  function image(f: Fixture): void {
    mkdirSync(join(f.prefix, 'sbin'), { recursive: true });
    mkdirSync(join(f.prefix, 'bin'), { recursive: true });
    mkdirSync(join(f.prefix, 'lib64'), { recursive: true });
    mkdirSync(join(f.prefix, 'lib/x86_64-linux-gnu'), { recursive: true });
    writeFileSync(join(f.prefix, 'sbin/busybox'), 'BUSYBOX', { mode: 0o755 });
    writeFileSync(join(f.prefix, 'sbin/kexec'), 'KEXEC', { mode: 0o755 });
    writeFileSync(join(f.prefix, 'bin/nc.openbsd'), 'NC', { mode: 0o755 });
    writeFileSync(join(f.prefix, 'lib/x86_64-linux-gnu/libbsd.so.0'), 'LIBBSD');
    writeFileSync(join(f.prefix, 'lib/x86_64-linux-gnu/libc.so.6'), 'LIBC');
    // the initrd's dynamic loader lists the closure (glibc `ld.so --list` format)
    writeFileSync(
      join(f.prefix, 'lib64/ld-linux-x86-64.so.2'),
      `#!/bin/sh
[ "$1" = --list ] || exit 1
printf '\\tlinux-vdso.so.1 (0x00007ffd)\\n\\tlibbsd.so.0 => /lib/x86_64-linux-gnu/libbsd.so.0 (0x1)\\n\\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x2)\\n\\t/lib64/ld-linux-x86-64.so.2 (0x3)\\n'
`,
      { mode: 0o755 },
    );
  }

  it('mounts a tmpfs on /root/run and installs busybox, nc.openbsd with its libraries, kexec, shutdown', () => {
    fx = new Fixture();
    image(fx);
    mkdirSync(join(fx.newroot, 'run'));
    const r = fx.stage('80-shutdown-prep');
    expect(r.stdout).toBe('[ucvm] 80-shutdown-prep: ok\n');
    expect(fx.calls('mount')).toEqual([
      [
        'mount',
        '-t',
        'tmpfs',
        '-o',
        'mode=0755,nosuid,nodev,size=20%',
        'tmpfs',
        join(fx.newroot, 'run'),
      ],
    ]);
    const d = join(fx.newroot, 'run/initramfs');
    expect(readFileSync(join(d, 'bin/busybox'), 'utf8')).toBe('BUSYBOX');
    for (const a of ['sh', 'umount', 'mount', 'timeout', 'sync', 'reboot', 'poweroff', 'halt'])
      expect(readlinkSync(join(d, 'bin', a))).toBe('busybox');
    expect(readFileSync(join(d, 'bin/nc.openbsd'), 'utf8')).toBe('NC');
    expect(readFileSync(join(d, 'lib/x86_64-linux-gnu/libbsd.so.0'), 'utf8')).toBe('LIBBSD');
    expect(readFileSync(join(d, 'lib/x86_64-linux-gnu/libc.so.6'), 'utf8')).toBe('LIBC');
    expect(existsSync(join(d, 'lib64/ld-linux-x86-64.so.2'))).toBe(true);
    expect(readFileSync(join(d, 'sbin/kexec'), 'utf8')).toBe('KEXEC');
    expect(readFileSync(join(d, 'shutdown'), 'utf8')).toBe(
      readFileSync(join(LIB_DIR, 'shutdown.sh'), 'utf8'),
    );
    expect(statSync(join(d, 'shutdown')).mode & 0o777).toBe(0o755);
    expect(statSync(join(d, 'bin/busybox')).mode & 0o777).toBe(0o755);
    expect(existsSync(join(d, 'oldroot'))).toBe(true);
  });

  it('no /root/run: skip; a failing mount or missing tools: warn', () => {
    fx = new Fixture();
    expect(fx.stage('80-shutdown-prep').stdout).toBe(
      '[ucvm] 80-shutdown-prep: skip no /run in the OS\n',
    );
    mkdirSync(join(fx.newroot, 'run'));
    expect(fx.stage('80-shutdown-prep').stdout).toBe(
      '[ucvm] 80-shutdown-prep: warn shutdown environment without: busybox nc.openbsd\n',
    );
    fx.shim('mount', 'exit 32');
    expect(fx.stage('80-shutdown-prep').stdout).toBe(
      '[ucvm] 80-shutdown-prep: warn cannot mount a tmpfs on /run; no shutdown environment\n',
    );
  });
});

describe('/run/initramfs/shutdown', () => {
  function oldroot(f: Fixture, mounts: string[]): void {
    mkdirSync(f.path('sd/proc/self'), { recursive: true });
    mkdirSync(f.path('sd/oldroot/mnt/.rw/cache/r.cern.ch'), { recursive: true });
    writeFileSync(f.path('sd/proc/sysrq-trigger'), '');
    writeFileSync(
      f.path('sd/proc/self/mountinfo'),
      mounts
        .map((m, i) => `${i + 20} 1 0:${i} / ${m.replace(/ /g, '\\040')} rw - fs none rw\n`)
        .join(''),
    );
    for (const t of ['mount', 'reboot', 'poweroff', 'halt', 'kexec']) f.shim(t);
    f.shim('nc.openbsd', 'cat >"$FIX/nc.stdin"; echo OK');
  }
  function shutdown(f: Fixture, verb: string) {
    return f.exec(['sh', join(LIB_DIR, 'shutdown.sh'), verb], {
      env: { UCVM_SD_ROOT: f.path('sd'), UCVM_SD_SHIMS: f.shims },
    });
  }

  it('unmounts deepest first except mnt/.rw and mnt/.ro, tears cvmfs down, remounts read-only, powers off', () => {
    fx = new Fixture();
    const o = fx.path('sd/oldroot');
    oldroot(fx, [
      '/',
      o,
      `${o}/mnt/.rw`,
      `${o}/mnt/.ro`,
      `${o}/proc`,
      `${o}/home`,
      `${o}/home/u s/data`,
      `${o}/sys`,
      `${o}/sys/fs/cgroup`,
      `${o}/mnt/.rw/below`,
      '/elsewhere',
    ]);
    // a real Unix socket file stands for the client's control socket
    const sock = join(o, 'mnt/.rw/cache/r.cern.ch/cvmfs_io.r.cern.ch');
    spawnSync('python3', [
      '-c',
      'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])',
      sock,
    ]);
    fx.shim('umount', '[ "$1" = -l ] && exit 0; case "$1" in */proc) exit 16;; esac; exit 0');
    const r = shutdown(fx, 'poweroff');
    expect(r.stdout).toBe(
      `[ucvm] shutdown: info ${o}/proc busy, detached lazily\n[ucvm] shutdown: info r.cern.ch read-only\n[ucvm] shutdown: ok scratch read-only; poweroff\n`,
    );
    expect(fx.calls('umount').map((c) => c.slice(1).join(' '))).toEqual([
      `${o}/sys/fs/cgroup`,
      `${o}/home/u s/data`,
      `${o}/sys`,
      `${o}/home`,
      `${o}/proc`,
      `-l ${o}/proc`,
    ]);
    expect(fx.read('fix/nc.stdin')).toBe('tear down to read-only\n');
    expect(fx.calls('nc.openbsd')).toEqual([['nc.openbsd', '-N', '-U', sock]]);
    expect(fx.calls('mount').map((c) => c.slice(1).join(' '))).toEqual([
      `-o remount,ro ${o}`,
      `-o remount,ro ${o}/mnt/.rw`,
    ]);
    expect(fx.calls('poweroff')).toEqual([['poweroff', '-f']]);
    expect(fx.read('sd/proc/sysrq-trigger')).toBe('');
  });

  it('never stops early: failures are warn lines, sysrq emergency remount, unknown verbs reboot', () => {
    fx = new Fixture();
    const o = fx.path('sd/oldroot');
    oldroot(fx, [`${o}/home`]);
    fx.shim('umount', 'exit 1');
    fx.shim('mount', 'exit 1');
    const r = shutdown(fx, 'sideways');
    expect(r.stdout).toBe(
      [
        '[ucvm] shutdown: warn unknown verb sideways; reboot',
        `[ucvm] shutdown: warn cannot unmount ${o}/home`,
        '[ucvm] shutdown: warn cannot remount / read-only',
        '[ucvm] shutdown: warn cannot remount scratch read-only; emergency remount (sysrq s u)',
        '[ucvm] shutdown: warn scratch emergency read-only; sideways',
        '',
      ].join('\n'),
    );
    expect(fx.read('sd/proc/sysrq-trigger')).toBe('u\n');
    expect(fx.calls('reboot')).toEqual([['reboot', '-f']]);
  });

  it('kexec runs kexec -e, falling back to reboot; halt halts', () => {
    fx = new Fixture();
    oldroot(fx, []);
    fx.shim('kexec', 'exit 1');
    let r = shutdown(fx, 'kexec');
    expect(r.stdout).toContain('[ucvm] shutdown: warn kexec -e failed; reboot');
    expect(fx.calls('kexec')).toEqual([['kexec', '-e']]);
    expect(fx.calls('reboot')).toEqual([['reboot', '-f']]);
    r = shutdown(fx, 'halt');
    expect(r.stdout).toContain('[ucvm] shutdown: ok scratch read-only; halt');
    expect(fx.calls('halt')).toEqual([['halt', '-f']]);
  });

  it('runs with nothing but busybox on PATH', () => {
    fx = new Fixture();
    oldroot(fx, []);
    const bin = fx.path('bb');
    mkdirSync(bin);
    for (const a of ['sh', 'awk', 'sort', 'cut', 'timeout', 'sync', 'sleep', 'cat']) {
      writeFileSync(join(bin, a), `#!/bin/sh\nexec ${BUSYBOX} ${a} "$@"\n`);
      chmodSync(join(bin, a), 0o755);
    }
    const r = spawnSync(BUSYBOX, ['sh', join(LIB_DIR, 'shutdown.sh'), 'reboot'], {
      env: { PATH: bin, UCVM_SD_ROOT: fx.path('sd'), UCVM_SD_SHIMS: fx.shims },
      encoding: 'utf8',
    });
    expect(r.stdout).toBe('[ucvm] shutdown: ok scratch read-only; reboot\n');
  });
});
