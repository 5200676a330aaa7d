// /init driver, kernel parameters, console lines, panic policy and the
// ucvm.smoke path (runtime.md §1.3–§1.5, §2).
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Fixture, INIT_DIR, RESULT_RE } from './harness.js';

let fx: Fixture;
afterEach(() => fx?.cleanup());

function parse(cmdline: string): string {
  fx = new Fixture({ cmdline });
  fx.sh('');
  return fx.read('run/ucvm/cmdline');
}

describe('kernel command line (§2)', () => {
  it('splits like the kernel: quotes group, last wins, -- ends, flags', () => {
    expect(
      parse(
        'root=first quiet cvmfs_server="a.example.org; b.example.org" "q=1 2" x=1 x=2 k=v=w e= -- after=1',
      ),
    ).toBe('cvmfs_server=a.example.org; b.example.org\ne=\nk=v=w\nq=1 2\nquiet\nroot=first\nx=2\n');
    fx.cleanup();
    expect(parse('A=1 a=2 ucvm.smoke  \t cvmdebug')).toBe('A=1\na=2\ncvmdebug\nucvm.smoke\n');
  });
  it('values are data: nothing is evaluated', () => {
    const marker = '/tmp/ucvm-param-pwned';
    rmSync(marker, { force: true });
    const ifs = '$' + '{IFS}';
    fx = new Fixture({
      cmdline: `cvmfs_repos=$(touch${ifs}${marker}) cernvm_path=\`touch ${marker}\``,
    });
    const r = fx.sh(
      'ucvm_param cvmfs_repos; ucvm_param cernvm_path; ucvm_param absent || echo absent',
    );
    expect(r.stdout).toBe(`$(touch${ifs}${marker})\n\`touch\nabsent\n`);
    expect(() => readFileSync(marker)).toThrow();
  });
  it('typed getters fall back to defaults on invalid values; 00-setup warns', () => {
    fx = new Fixture({
      cmdline:
        'ucvm_devwait=121 ucvm_panic_delay=007 ucvm_color=blue ucvm_net=off cvmssh ucvm_scratch=/dev/../x',
    });
    const r = fx.sh(
      'ucvm_param_uint ucvm_devwait 0 120 10; ucvm_param_uint ucvm_panic_delay 0 3600 15; ucvm_param_enum ucvm_color auto auto on off; ucvm_params_invalid',
    );
    expect(r.stdout).toBe('10\n7\nauto\nucvm_scratch ucvm_devwait ucvm_color\n');
    const s = fx.stage('00-setup');
    expect(s.stdout).toContain(
      '[ucvm] 00-setup: warn version 2026.01-1; invalid parameters: ucvm_scratch ucvm_devwait ucvm_color; cvmssh not supported',
    );
    expect(s.stdout).toContain('[ucvm] 00-setup: info cvmssh is not supported; ignored');
  });
  it('ucvm_metadata and ucvm_meta_addr: invalid values warn in 00-setup, 05 applies the default', () => {
    const ALL = 'configdrive nocloud opennebula vsphere azure gce openstack ec2 cloudstack';
    const cases: [string, boolean][] = [
      ['ucvm_metadata=auto ucvm_meta_addr=10.0.0.1', true],
      ['ucvm_metadata=none ucvm_meta_addr=10.0.0.1:8080', true],
      ['ucvm_metadata=nocloud,ec2', true],
      ['ucvm_metadata=ec2,bogus', false],
      ['ucvm_metadata=EC2', false],
      ['ucvm_metadata=ec2,', false],
      ['ucvm_metadata=ec2,,gce', false],
      ['ucvm_metadata=', false],
      ['ucvm_metadata=*', false],
    ];
    for (const [cmdline, valid] of cases) {
      fx = new Fixture({ cmdline });
      const r = fx.sh('ucvm_params_invalid; stage_meta_ids; echo "rc=$?"', {
        stages: ['05-metadata'],
      });
      const [bad, ids, rc] = r.stdout.split('\n');
      expect(bad, cmdline).toBe(valid ? '' : 'ucvm_metadata');
      expect(rc, cmdline).toBe(valid ? 'rc=0' : 'rc=1');
      if (!valid) expect(ids, cmdline).toBe(ALL);
      fx.cleanup();
    }
    for (const addr of ['1.2.3', '1.2.3.4:0', '1.2.3.4:80:1', '256.1.1.1', 'a.b.c.d', '1.2.3.4:']) {
      fx = new Fixture({ cmdline: `ucvm_meta_addr=${addr}` });
      const r = fx.sh('ucvm_params_invalid; stage_meta_addr; echo "rc=$?"', {
        stages: ['05-metadata'],
      });
      expect(r.stdout, addr).toBe('ucvm_meta_addr\n169.254.169.254:80\nrc=1\n');
      fx.cleanup();
    }
    fx = new Fixture({ cmdline: 'ucvm_metadata=ec2,bogus ucvm_meta_addr=1.2.3:80' });
    expect(fx.stage('00-setup').stdout).toContain(
      '[ucvm] 00-setup: warn version 2026.01-1; invalid parameters: ucvm_metadata ucvm_meta_addr',
    );
    // lib.sh's id list is 05's
    expect(
      fx.sh('[ "$UCVM_META_IDS" = "$STAGE_META_IDS" ] && echo same', { stages: ['05-metadata'] })
        .stdout,
    ).toBe('same\n');
  });
});

describe('00-setup and console lines (§1.4)', () => {
  it('prints the banner first, mounts the pseudo file systems, logs with uptime', () => {
    fx = new Fixture({ cmdline: 'quiet' });
    const r = fx.stage('00-setup');
    const lines = r.stdout.trim().split('\n');
    expect(lines.slice(0, 3)).toEqual([
      'Welcome to micro-CernVM',
      'ucvm 2026.01-1',
      '[ucvm] 00-setup: ok version 2026.01-1',
    ]);
    expect(fx.calls('mount')).toEqual([
      ['mount', '-t', 'proc', '-o', 'nodev,noexec,nosuid', 'proc', fx.proc],
      ['mount', '-t', 'sysfs', '-o', 'nodev,noexec,nosuid', 'sysfs', fx.sys],
      ['mount', '-t', 'devtmpfs', '-o', 'mode=0755', 'devtmpfs', fx.dev],
      ['mount', '-t', 'devpts', '-o', 'gid=5,mode=0620', 'devpts', `${fx.dev}/pts`],
    ]);
    expect(fx.read('run/ucvm/log/boot.log')).toBe(
      '5.00 Welcome to micro-CernVM\n5.00 ucvm 2026.01-1\n5.00 [ucvm] 00-setup: ok version 2026.01-1\n',
    );
    expect(fx.read('run/ucvm/state/UCVM_VERSION')).toBe('2026.01-1\n');
    expect(lines[2]).toMatch(RESULT_RE);
  });
  it('a failed pseudo-file-system mount panics', () => {
    fx = new Fixture({ cmdline: 'ucvm_panic=poweroff ucvm_panic_delay=0' });
    fx.shim('mount', 'case "$2" in sysfs) exit 32;; esac');
    const r = fx.stage('00-setup');
    expect(r.stdout).toContain('UCVM-PANIC: 00-setup: cannot mount sysfs');
    expect(fx.calls('poweroff')).toEqual([['poweroff', '-f']]);
  });
  it('colours only the status word, only when asked or on a virtual terminal', () => {
    fx = new Fixture({ cmdline: 'ucvm_color=on' });
    let r = fx.sh('UCVM_STAGE=07-x; ucvm_ok "fine"; ucvm_info "note"');
    expect(r.stdout).toBe('[ucvm] 07-x: \x1b[32mok\x1b[0m fine\n[ucvm] 07-x: info note\n');
    expect(fx.read('run/ucvm/log/boot.log')).toBe(
      '5.00 [ucvm] 07-x: ok fine\n5.00 [ucvm] 07-x: info note\n',
    );
    fx.cleanup();
    fx = new Fixture({ cmdline: 'quiet' });
    mkdirSync(join(fx.sys, 'class/tty/console'), { recursive: true });
    writeFileSync(join(fx.sys, 'class/tty/console/active'), 'ttyS0 tty1\n');
    r = fx.sh('UCVM_STAGE=07-x; ucvm_warn "w"');
    expect(r.stdout).toBe('[ucvm] 07-x: \x1b[33mwarn\x1b[0m w\n');
    writeFileSync(join(fx.sys, 'class/tty/console/active'), 'tty1 ttyS0\n');
    r = fx.sh('UCVM_STAGE=07-x; ucvm_warn "w"');
    expect(r.stdout).toBe('[ucvm] 07-x: warn w\n');
  });
});

describe('panic policy (§1.5)', () => {
  it('reboot after the countdown by default, with the stage log tail and device table', () => {
    fx = new Fixture({ cmdline: 'ucvm_panic_delay=1' });
    writeFileSync(join(fx.run, 'devices'), 'name=vda kind=disk\n');
    writeFileSync(join(fx.run, 'log/fsck.log'), 'fsck said something\n');
    const t0 = Date.now();
    const r = fx.sh(
      'UCVM_STAGE=10-scratch; ucvm_stage_log fsck.log; ucvm_panic "scratch file system has errors"; echo returned',
    );
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
    expect(r.status).toBe(70);
    expect(r.stdout).toBe(
      [
        'UCVM-PANIC: 10-scratch: scratch file system has errors',
        '--- last lines of fsck.log ---',
        'fsck said something',
        '--- devices ---',
        'name=vda kind=disk',
        '[ucvm] panic: info reboot in 1 s',
        '',
      ].join('\n'),
    );
    expect(fx.calls('reboot')).toEqual([['reboot', '-f']]);
  });
  it('chooses the action: ucvm_panic=, cvmdebug → shell, invalid → default', () => {
    for (const [cmd, action] of [
      ['ucvm_panic=poweroff', 'poweroff'],
      ['cvmdebug', 'shell'],
      ['cvmdebug ucvm_panic=reboot', 'reboot'],
      ['ucvm_panic=halt', 'reboot'],
      ['ucvm.smoke', 'poweroff'],
    ]) {
      fx = new Fixture({ cmdline: `${cmd} ucvm_panic_delay=0` });
      expect(fx.sh('ucvm_panic_action').stdout).toBe(`${action}\n`);
      fx.cleanup();
    }
  });
  it('rescue shell: resume with /run/ucvm/continue, else reboot', () => {
    fx = new Fixture({ cmdline: 'cvmdebug' });
    fx.shim(
      'shell',
      'echo "PS1=$PS1 REASON=$UCVM_PANIC_REASON" >>"$FIX/shell.env"; : >"$UCVM_RUN/continue"',
    );
    const driver = `
stage_run() { ucvm_panic "disk on fire"; return 1; }
ucvm_stage_begin x/42-test.sh; stage_run; ucvm_stage_end $?; echo after`;
    let r = fx.sh(driver);
    expect(r.stdout).toContain('UCVM-PANIC: 42-test: disk on fire');
    expect(r.stdout).toContain('[ucvm] 42-test: warn resumed after panic by operator\nafter\n');
    expect(fx.read('fix/shell.env')).toBe('PS1=(ucvm-rescue)  REASON=disk on fire\n');
    fx.cleanup();
    fx = new Fixture({ cmdline: 'cvmdebug' });
    r = fx.sh(driver);
    expect(r.status).toBe(70);
    expect(r.stdout).not.toContain('after');
    expect(fx.calls('reboot')).toEqual([['reboot', '-f']]);
  });
  it('reboot-loop guard: records on scratch, poweroff from the third panic', () => {
    fx = new Fixture({ cmdline: 'ucvm_panic_delay=0' });
    mkdirSync(join(fx.rw, 'aux'), { recursive: true });
    const once = () =>
      fx.sh('UCVM_SCRATCH_RW=1; UCVM_STAGE=14-cvmfs; ucvm_info hello; ucvm_panic "cannot mount x"');
    once();
    expect(fx.read('root.rw/aux/panic-count')).toBe('1\n');
    expect(fx.read('root.rw/ulogs/panic.txt')).toBe(
      'stage=14-cvmfs\nreason=cannot mount x\nuptime=5.00\n',
    );
    expect(fx.read('root.rw/ulogs/boot.log')).toContain('[ucvm] 14-cvmfs: info hello');
    once();
    expect(fx.calls('reboot')).toHaveLength(2);
    const r = once();
    expect(r.stdout).toContain('[ucvm] panic: info panic 3 in a row: poweroff instead of reboot');
    expect(fx.calls('poweroff')).toEqual([['poweroff', '-f']]);
    expect(fx.read('root.rw/aux/panic-count')).toBe('3\n');
  });
  it('the driver panics for a stage without a result or with a failure status', () => {
    fx = new Fixture({ cmdline: 'ucvm_panic=poweroff ucvm_panic_delay=0' });
    let r = fx.sh('stage_run() { :; }; ucvm_stage_begin x/50-a.sh; stage_run; ucvm_stage_end $?');
    expect(r.stdout).toContain('UCVM-PANIC: 50-a: stage ended without a result');
    fx.cleanup();
    fx = new Fixture({ cmdline: 'ucvm_panic=poweroff ucvm_panic_delay=0' });
    r = fx.sh(
      'stage_run() { ucvm_ok; return 3; }; ucvm_stage_begin x/50-a.sh; stage_run; ucvm_stage_end $?',
    );
    expect(r.stdout).toContain('[ucvm] 50-a: ok\nUCVM-PANIC: 50-a: stage ended with exit status 3');
  });
});

describe('/init', () => {
  function runInit(f: Fixture) {
    return spawnSync('/bin/busybox', ['sh', join(INIT_DIR, 'init')], {
      env: f.env(),
      encoding: 'utf8',
      timeout: 60_000,
    });
  }
  it('ucvm.smoke: modules loaded, exactly one `[ucvm] init: ok <version>` line, poweroff -f', () => {
    fx = new Fixture({ cmdline: 'console=ttyS0 ucvm.smoke', version: '2026.02-3' });
    const r = runInit(fx);
    expect(r.status).toBe(70);
    const lines = r.stdout.trim().split('\n');
    expect(lines.at(-1)).toBe('[ucvm] init: ok 2026.02-3');
    expect(lines.filter((l) => l.startsWith('[ucvm] init:'))).toHaveLength(1);
    expect(lines).toContain('[ucvm] 01-modules: ok');
    const names = fx.calls('modprobe').map((c) => c.at(-1));
    for (const m of [
      'virtio_blk',
      'virtio_pci',
      'nvme',
      'ahci',
      'crc32c_generic',
      'ext4',
      'overlay',
      'fuse',
      'nls_ascii',
    ]) {
      expect(names).toContain(m);
    }
    expect(names.indexOf('crc32c_generic')).toBeLessThan(names.indexOf('ext4'));
    expect(fx.calls().at(-1)).toEqual(['poweroff', '-f']);
    for (const l of lines.filter((l) => l.startsWith('[ucvm] 0'))) expect(l).toMatch(RESULT_RE);
  });
  it('ucvm.smoke reads the version from build.conf without /version', () => {
    fx = new Fixture({ cmdline: 'ucvm.smoke' });
    rmSync(join(fx.prefix, 'version'));
    writeFileSync(
      join(fx.prefix, 'etc/ucvm/build.conf'),
      'build_epoch=1\nversion=2026.03-9\nkernel=6.1\n',
    );
    expect(runInit(fx).stdout).toContain('[ucvm] init: ok 2026.03-9\n');
  });
  it('01-modules panics when the kernel lacks overlay, fuse or ext4', () => {
    fx = new Fixture({ cmdline: 'ucvm.smoke' });
    writeFileSync(join(fx.proc, 'filesystems'), 'nodev\tproc\n\text4\n\tvfat\n');
    const r = runInit(fx);
    expect(r.stdout).toContain('UCVM-PANIC: 01-modules: kernel lacks overlay fuse');
    expect(r.stdout).not.toContain('[ucvm] init: ok');
    expect(fx.calls('poweroff')).toEqual([['poweroff', '-f']]);
  });
  it('runs the stage files present in byte order', () => {
    const names = readdirSync(join(INIT_DIR, 'lib/ucvm/stages')).sort();
    expect(names[0]).toBe('00-setup.sh');
    for (const n of names) expect(n).toMatch(/^\d\d-[a-z0-9-]+\.sh$/);
    // every shell file declares its dialect
    for (const n of names) {
      expect(readFileSync(join(INIT_DIR, 'lib/ucvm/stages', n), 'utf8').split('\n')[0]).toBe(
        '# shellcheck shell=dash',
      );
    }
  });
});
