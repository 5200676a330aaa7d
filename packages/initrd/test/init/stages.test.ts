// 03-network, the udhcpc event script, 13-context, 30-pids, 96-save-logs and
// 97-hotfixes details (runtime.md §3, §4, §6, §7).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Fixture, LIB_DIR } from './harness.js';

let fx: Fixture;
afterEach(() => fx?.cleanup());

function nic(f: Fixture, name: string, ifindex: number, lease?: string): void {
  const d = join(f.sys, 'class/net', name);
  mkdirSync(join(d, 'device'), { recursive: true });
  writeFileSync(join(d, 'type'), '1\n');
  writeFileSync(join(d, 'ifindex'), `${ifindex}\n`);
  if (lease) writeFileSync(f.path('fix', `lease.${name}`), lease);
}

describe('03-network', () => {
  function dhcp(f: Fixture) {
    // the shim plays udhcpc plus the event script: a prepared lease appears
    f.shim(
      'udhcpc',
      `for a; do case "$p" in -i) i="$a";; esac; p="$a"; done
[ -f "$FIX/lease.$i" ] || exit 1
cp "$FIX/lease.$i" "${f.run}/net/$i.tmp" && mv "${f.run}/net/$i.tmp" "${f.run}/net/$i.lease"`,
    );
    f.shim('ip');
  }
  it('primary = lowest ifindex with a lease; only it gets default routes and resolv.conf', () => {
    fx = new Fixture({ cmdline: 'ucvm_dhcp_timeout=5 ucvm_mtu=1400' });
    nic(
      fx,
      'eth0',
      3,
      'ip=10.0.0.5\nmask=255.255.255.0\nrouter=10.0.0.1\ndns=10.0.0.2\nmtu=1500\n',
    );
    nic(
      fx,
      'eth1',
      2,
      'ip=10.1.0.5\nmask=255.255.255.255\nrouter=10.1.0.1 10.1.0.9\ndns=1.1.1.1 8.8.8.8 9.9.9.9 4.4.4.4\ndomain=a.example\nstaticroutes=192.168.0.0/16 10.1.0.254\n',
    );
    nic(fx, 'eth2', 4);
    mkdirSync(join(fx.sys, 'class/net/wlan0'), { recursive: true });
    writeFileSync(join(fx.sys, 'class/net/wlan0/type'), '801\n');
    dhcp(fx);
    const t0 = Date.now();
    const r = fx.stage('03-network');
    expect(Date.now() - t0).toBeLessThan(9000);
    expect(r.stdout).toContain('[ucvm] 03-network: ok dhcp eth1 10.1.0.5/32');
    const ip = fx.calls('ip').map((c) => c.slice(1).join(' '));
    expect(ip).toContain('addr add 10.0.0.5/24 dev eth0');
    // flushed first: 12-kexec re-runs the stage when kexec -e returns
    expect(ip.indexOf('-4 addr flush dev eth0')).toBeGreaterThanOrEqual(0);
    expect(ip.indexOf('-4 addr flush dev eth0')).toBeLessThan(
      ip.indexOf('addr add 10.0.0.5/24 dev eth0'),
    );
    expect(ip).toContain('link set dev eth0 mtu 1400');
    expect(ip).toContain('route add 192.168.0.0/16 via 10.1.0.254 dev eth1');
    expect(ip).toContain('route add 10.1.0.1 dev eth1');
    expect(ip).toContain('route add default via 10.1.0.1 dev eth1 metric 0');
    expect(ip).toContain('route add default via 10.1.0.9 dev eth1 metric 1');
    expect(ip.filter((c) => c.includes('default') && c.includes('eth0'))).toEqual([]);
    // clients run in parallel: the call order is not defined
    expect(
      fx
        .calls('udhcpc')
        .map((c) => c[c.indexOf('-i') + 1])
        .sort(),
    ).toEqual(['eth0', 'eth1', 'eth2']);
    expect(fx.read('initrd/etc/resolv.conf')).toBe(
      'search a.example\nnameserver 1.1.1.1\nnameserver 8.8.8.8\nnameserver 9.9.9.9\n',
    );
    expect(fx.read('run/ucvm/state/UCVM_NET_UP')).toBe('1\n');
  });
  it('no lease: warn no network within the DHCP limit; ucvm_net=off: skip', () => {
    fx = new Fixture({ cmdline: 'ucvm_dhcp_timeout=5' });
    nic(fx, 'eth0', 2);
    dhcp(fx);
    fx.shim('udhcpc', 'exec sleep 30');
    fx.realClock();
    const t0 = Date.now();
    const r = fx.stage('03-network');
    // the 5 s limit, not the clients' 30 s, ends the phase (slack for a loaded runner)
    expect(Date.now() - t0).toBeLessThan(15_000);
    expect(r.stdout).toContain('[ucvm] 03-network: warn no network');
    fx.cleanup();
    fx = new Fixture({ cmdline: 'ucvm_net=off' });
    expect(fx.stage('03-network').stdout).toContain('[ucvm] 03-network: skip ucvm_net=off');
  });
  it('the udhcpc event script writes the lease as data only', () => {
    fx = new Fixture();
    const r = spawnSync('/bin/busybox', ['sh', join(LIB_DIR, 'udhcpc.sh'), 'bound'], {
      env: {
        UCVM_RUN: fx.run,
        interface: 'eth0',
        ip: '10.0.0.7',
        subnet: '255.255.0.0',
        router: '10.0.0.1',
        dns: '10.0.0.2 10.0.0.3',
        domain: 'x.example;$(touch /tmp/ucvm-lease-pwned)\nnext=line',
        serverid: '10.0.0.1',
        mtu: '9000',
      },
      encoding: 'utf8',
    });
    expect(r.status).toBe(0);
    expect(fx.read('run/ucvm/net/eth0.lease')).toBe(
      'ip=10.0.0.7\nmask=255.255.0.0\nrouter=10.0.0.1\ndns=10.0.0.2 10.0.0.3\ndomain=x.example___touch /tmp/ucvm-lease-pwned__next_line\nserverid=10.0.0.1\nmtu=9000\nstaticroutes=\n',
    );
    expect(existsSync('/tmp/ucvm-lease-pwned')).toBe(false);
  });
});

describe('13-context', () => {
  it('persists the context of a first boot (0700 dir, 0600 files); none found → (none)', () => {
    fx = new Fixture();
    writeFileSync(join(fx.run, 'context/source'), 'EC2\n');
    writeFileSync(join(fx.run, 'context/user-data'), 'raw');
    writeFileSync(join(fx.run, 'context/ucontext'), "# ucvm-context 1\n_UCONTEXT_A='1'\n");
    const r = fx.stage('13-context', { before: 'UCVM_FIRST_BOOT=1' });
    expect(r.stdout).toContain('[ucvm] 13-context: ok source=EC2 (persisted)');
    expect(statSync(join(fx.rw, 'context')).mode & 0o777).toBe(0o700);
    expect(statSync(join(fx.rw, 'context/user-data')).mode & 0o777).toBe(0o600);
    expect(fx.read('root.rw/context/ucontext')).toBe("# ucvm-context 1\n_UCONTEXT_A='1'\n");
    expect(fx.read('run/ucvm/state/UCVM_CTX_DIR')).toBe(`${fx.rw}/context\n`);
    fx.cleanup();
    fx = new Fixture();
    expect(fx.stage('13-context', { before: 'UCVM_FIRST_BOOT=1' }).stdout).toContain(
      'ok source=(none) (persisted)',
    );
    expect(fx.read('root.rw/context/source')).toBe('(none)\n');
  });
  it('later boots restore; ucvm_ctx then reads scratch context/', () => {
    fx = new Fixture();
    mkdirSync(join(fx.rw, 'context'), { recursive: true });
    writeFileSync(join(fx.rw, 'context/source'), 'NoCloud\n');
    writeFileSync(join(fx.rw, 'context/ucontext'), "# ucvm-context 1\n_UCONTEXT_CVMFS_TAG='t1'\n");
    writeFileSync(
      join(fx.rw, 'context/extra-ucontext'),
      "# ucvm-context 1\n_UCONTEXT_CVMFS_TAG='t2'\n",
    );
    writeFileSync(
      join(fx.run, 'context/ucontext'),
      "# ucvm-context 1\n_UCONTEXT_CVMFS_TAG='new'\n",
    );
    const r = fx.stage('13-context', { before: 'UCVM_FIRST_BOOT=0' });
    expect(r.stdout).toContain('[ucvm] 13-context: ok source=NoCloud (restored)');
    const r2 = fx.sh(`UCVM_CTX_DIR="${fx.rw}/context"; ucvm_ctx cvmfs_tag`);
    expect(r2.stdout).toBe('t2\n');
  });
});

describe('30-pids, 96-save-logs, 97-hotfixes', () => {
  it('30-pids lists the initrd cvmfs2 processes ascending; none panics', () => {
    fx = new Fixture({ cmdline: 'ucvm_panic=poweroff ucvm_panic_delay=0' });
    for (const [pid, exe] of [
      ['900', join(fx.prefix, 'usr/bin/cvmfs2')],
      ['77', join(fx.prefix, 'usr/bin/cvmfs2')],
      ['78', '/usr/bin/cvmfs2-other'],
    ] as const) {
      mkdirSync(join(fx.proc, pid), { recursive: true });
      symlinkSync(exe, join(fx.proc, pid, 'exe'));
    }
    expect(fx.stage('30-pids').stdout).toContain('[ucvm] 30-pids: ok 2 processes');
    expect(fx.read('root/.cvmfs_pids')).toBe('77\n900\n');
    expect(statSync(join(fx.newroot, '.cvmfs_pids')).mode & 0o777).toBe(0o644);
    fx.cleanup();
    fx = new Fixture({ cmdline: 'ucvm_panic=poweroff ucvm_panic_delay=0' });
    expect(fx.stage('30-pids').stdout).toContain(
      'UCVM-PANIC: 30-pids: no cvmfs2 process is running',
    );
  });
  it('30-pids also lists a script client: the initrd busybox running /usr/bin/cvmfs2', () => {
    fx = new Fixture({ cmdline: 'ucvm_panic=poweroff ucvm_panic_delay=0' });
    const procs: [string, string, string][] = [
      ['31', join(fx.prefix, 'bin/busybox'), '/bin/sh\0/usr/bin/cvmfs2\0-o\0x\0'],
      ['5', join(fx.prefix, 'bin/busybox'), '/bin/sh\0/usr/bin/cvmfs2\0__talk__\0'],
      ['6', join(fx.prefix, 'bin/busybox'), '/bin/sh\0/lib/ucvm/stages/x\0/usr/bin/cvmfs2\0'],
      ['7', '/bin/busybox', '/bin/sh\0/usr/bin/cvmfs2\0'], // not the initrd's busybox
      ['8', join(fx.prefix, 'bin/nc.openbsd'), 'nc\0/usr/bin/cvmfs2\0'],
    ];
    for (const [pid, exe, cmdline] of procs) {
      mkdirSync(join(fx.proc, pid), { recursive: true });
      symlinkSync(exe, join(fx.proc, pid, 'exe'));
      writeFileSync(join(fx.proc, pid, 'cmdline'), cmdline);
    }
    expect(fx.stage('30-pids').stdout).toContain('[ucvm] 30-pids: ok 2 processes');
    expect(fx.read('root/.cvmfs_pids')).toBe('5\n31\n');
  });
  it('20-union: mount commands go to log/union.log; boot.log keeps console lines only', () => {
    fx = new Fixture({ cmdline: 'cernvm_path=cvm4' });
    fx.shim('mount');
    const r = fx.stage('20-union', { before: 'ucvm_state UCVM_OS_PATH cvm4' });
    expect(r.stdout).toContain('[ucvm] 20-union: ok overlay lower=/cvm4');
    expect(fx.calls('mount')[0]?.slice(0, 3)).toEqual(['mount', '-t', 'overlay']);
    expect(fx.read('run/ucvm/log/union.log')).toContain('mount --move');
    const boot = fx.read('run/ucvm/log/boot.log').trim().split('\n');
    expect(boot.length).toBeGreaterThan(0);
    for (const l of boot) expect(l).toMatch(/^\d+\.\d+ \[ucvm\] /);
  });
  it('96-save-logs keeps the previous boot in ulogs/previous/', () => {
    fx = new Fixture();
    mkdirSync(join(fx.rw, 'ulogs/previous'), { recursive: true });
    writeFileSync(join(fx.rw, 'ulogs/boot.log'), 'old boot\n');
    writeFileSync(join(fx.rw, 'ulogs/previous/boot.log'), 'older boot\n');
    writeFileSync(join(fx.run, 'log/udhcpc.log'), 'lease\n');
    writeFileSync(join(fx.run, 'log/boot.log'), 'this boot\n');
    writeFileSync(join(fx.run, 'devices'), 'name=vda\n');
    expect(fx.stage('96-save-logs').stdout).toContain('[ucvm] 96-save-logs: ok');
    expect(fx.read('root.rw/ulogs/previous/boot.log')).toBe('old boot\n');
    expect(fx.read('root.rw/ulogs/udhcpc.log')).toBe('lease\n');
    expect(fx.read('root.rw/ulogs/devices.txt')).toBe('name=vda\n');
    expect(fx.read('root.rw/ulogs/boot.log')).toBe('this boot\n');
  });
  it('97-hotfixes: sudo bit, tmp mode, hook from the repository layer only, killed after its limit', () => {
    fx = new Fixture();
    const ro = join(fx.newroot, 'mnt/.ro/cernvm/prod');
    mkdirSync(ro, { recursive: true });
    mkdirSync(join(fx.newroot, 'usr/bin'), { recursive: true });
    writeFileSync(join(fx.newroot, 'usr/bin/sudo'), '', { mode: 0o755 });
    writeFileSync(join(ro, '.cernvm_bootstrap'), 'echo "from repo $1"; sleep 30; echo never\n');
    writeFileSync(join(fx.newroot, '.cernvm_bootstrap'), 'echo upper copy\n');
    fx.realClock();
    const t0 = Date.now();
    const r = fx.sh(
      `UCVM_OS_PATH=cernvm/prod
ucvm_stage_begin x/97-hotfixes.sh; . "$UCVM_LIBDIR/stages/97-hotfixes.sh"; STAGE_HOOK_LIMIT=2; stage_run; ucvm_stage_end $?`,
    );
    expect(r.stdout).toContain(
      '[ucvm] 97-hotfixes: info upper-layer /.cernvm_bootstrap differs from the repository; ignored',
    );
    expect(r.stdout).toContain(`from repo ${fx.newroot}`);
    expect(r.stdout).toContain('[ucvm] 97-hotfixes: info bootstrap .cernvm_bootstrap exit timeout');
    expect(r.stdout).toContain(
      '[ucvm] 97-hotfixes: warn bootstrap .cernvm_bootstrap failed (timeout)',
    );
    expect(r.stdout).not.toContain('upper copy');
    expect(r.stdout).not.toContain('never');
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(readFileSync(join(fx.run, 'log/bootstrap.log'), 'utf8')).toContain('from repo');
    expect(statSync(join(fx.newroot, 'usr/bin/sudo')).mode & 0o7777).toBe(0o4555);
    expect(statSync(join(fx.newroot, 'tmp')).mode & 0o7777).toBe(0o1777);
  });
});
