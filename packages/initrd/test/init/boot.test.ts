// The whole /init in test mode: a first boot with a blank second disk, then
// a second boot on the same scratch, through every stage present up to the
// switch_root hand-over (runtime.md §8.1). Devices, mounts, DHCP and the
// CernVM-FS client are shims; the stage code is real.
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Fixture, GiB, INIT_DIR, MiB, RESULT_RE } from './harness.js';

let fx: Fixture;
afterEach(() => fx?.cleanup());

const HASH = 'c'.repeat(40);
const REPO = 'cernvm-devel.cern.ch';

function machine(f: Fixture, opts: { hook?: string } = {}): void {
  // boot disk with the boot loader file system, blank second disk
  // boot disk: the boot loader file system, and a NoCloud `cidata` partition for 05-metadata
  f.disk('vda', {
    sectors: 210 * MiB,
    blkid: { PTTYPE: 'dos' },
    parts: [
      { num: 1, start: MiB, size: 200 * MiB, blkid: { TYPE: 'vfat', LABEL: 'UCERNVM' } },
      { num: 2, start: 201 * MiB, size: 9 * MiB, blkid: { TYPE: 'vfat', LABEL: 'cidata' } },
    ],
  });
  f.media('vda1', {
    '.ucernvm_boot_loader': '',
    'cernvm/extra-user-data': '[ucernvm-begin]\nx=1\n[ucernvm-end]\n',
  });
  f.media('vda2', {
    'meta-data': 'instance-id: ucvm-test\n',
    'user-data':
      '[ucernvm-begin]\ncernvm_path=cernvm/prod\nmykey=$(touch /tmp/ucvm-boot-pwned)\n[ucernvm-end]\n',
  });
  f.disk('vdb', { sectors: 10 * GiB });
  f.shim(
    'blockdev',
    `mkdir -p "${f.sys}/block/vdb/vdb1" && echo 1 >"${f.sys}/block/vdb/vdb1/partition" && ln -sf ../../block/vdb/vdb1 "${f.sys}/class/block/vdb1" && : >"${f.dev}/vdb1"`,
  );
  // mkfs "writes" a UROOT file system that the next boot finds
  f.shim('mke2fs', `printf 'TYPE=ext4\\nLABEL=UROOT\\n' >"$FIX/blkid/vdb1"`);
  // network: one virtio NIC; udhcpc "gets" a lease
  const net = join(f.sys, 'class/net/eth0');
  mkdirSync(join(net, 'device'), { recursive: true });
  writeFileSync(join(net, 'type'), '1\n');
  writeFileSync(join(net, 'ifindex'), '2\n');
  mkdirSync(join(f.sys, 'class/net/lo'), { recursive: true });
  writeFileSync(join(f.sys, 'class/net/lo/type'), '772\n');
  f.shim(
    'udhcpc',
    `for a; do case "$p" in -i) i="$a";; esac; p="$a"; done
printf 'ip=10.0.2.15\\nmask=255.255.255.0\\nrouter=10.0.2.2\\ndns=10.0.2.3\\ndomain=example.org\\nserverid=10.0.2.2\\nmtu=\\nstaticroutes=\\n' >"${f.run}/net/$i.tmp" && mv "${f.run}/net/$i.tmp" "${f.run}/net/$i.lease"`,
  );
  for (const s of ['ip', 'ntpd', 'nc', 'switch_root', 'date']) f.shim(s);
  // CernVM-FS: the client "mounts" a tiny OS tree and runs as pid 4242
  mkdirSync(join(f.prefix, 'etc/cvmfs/keys', REPO), { recursive: true });
  writeFileSync(join(f.prefix, 'etc/cvmfs/keys', REPO, 'cern.pub'), 'KEY\n');
  const os = join(f.ro, 'cernvm/prod');
  f.shim(
    'cvmfs2',
    `mkdir -p "${os}/usr/sbin" "${os}/usr/lib/systemd" && ln -sfn usr/sbin "${os}/sbin" && : >"${os}/usr/lib/systemd/systemd" && chmod 755 "${os}/usr/lib/systemd/systemd" && ln -sfn ../lib/systemd/systemd "${os}/usr/sbin/init"${
      opts.hook ? ` && cp "${f.path('hook.sh')}" "${os}/.cernvm_bootstrap"` : ''
    }`,
  );
  if (opts.hook) writeFileSync(f.path('hook.sh'), opts.hook);
  f.shim('getfattr', `echo ${HASH}`);
  mkdirSync(join(f.prefix, 'usr/bin'), { recursive: true });
  mkdirSync(join(f.proc, '4242'), { recursive: true });
  symlinkSync(join(f.prefix, 'usr/bin/cvmfs2'), join(f.proc, '4242/exe'));
  // mounts: probe mounts copy media, the overlay copies the lower tree, --move moves
  f.shim(
    'mount',
    `case "$1" in
--move) rm -rf "$3"; mv "$2" "$3"; exit 0;;
esac
for a; do t="$a"; done
case "$*" in
*"-t overlay"*) lower="$(echo "$*" | sed 's/.*lowerdir=\\([^,]*\\),.*/\\1/')"; cp -R "$lower/." "$t/"; exit 0;;
esac
for a; do case "$a" in */dev/*) b="\${a##*/}";; esac; done
[ -n "\${b:-}" ] && [ -d "$FIX/media/$b" ] && cp -R "$FIX/media/$b/." "$t/"
exit 0`,
  );
}

function init(f: Fixture) {
  return spawnSync('/bin/busybox', ['sh', join(INIT_DIR, 'init'), 'arg1'], {
    env: f.env(),
    encoding: 'utf8',
    timeout: 120_000,
  });
}

describe('/init through all stages present', () => {
  it('first boot with a blank disk, then a second boot on the same scratch', () => {
    fx = new Fixture({ cmdline: 'console=ttyS0 ucvm_devwait=0 ucvm_ntp=ntp.example.org' });
    machine(fx, {
      hook: 'echo "hook root=$1 first=$UCVM_FIRST_BOOT key=$_UCONTEXT_MYKEY"; log_ok configured\nexit 0\n',
    });
    let r = init(fx);
    const lines = r.stdout.trim().split('\n');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(lines.slice(0, 2)).toEqual(['Welcome to micro-CernVM', 'ucvm 2026.01-1']);
    const results = lines.filter((l) => RESULT_RE.test(l) && !/: info( |$)/.test(l));
    // every stage file present prints exactly one result line, in §1.1 order
    const stages = readdirSync(join(INIT_DIR, 'lib/ucvm/stages'))
      .filter((n) => /^\d\d-.*\.sh$/.test(n))
      .sort()
      .map((n) => n.slice(0, -3));
    expect(stages.length).toBeGreaterThanOrEqual(13);
    expect(results.map((l) => l.split(':')[0]?.slice(7))).toEqual(stages);
    expect(lines).toContain('[ucvm] 02-devices: ok 2 disks; boot vda1; first boot');
    expect(lines).toContain('[ucvm] 03-network: ok dhcp eth0 10.0.2.15/24');
    expect(lines).toContain('[ucvm] 04-time: ok ntp.example.org');
    expect(
      lines.filter((l) => /^\[ucvm\] 10-scratch: ok \/dev\/vdb1 created \(\d+ MiB\)$/.test(l)),
    ).toHaveLength(1);
    expect(lines).toContain('[ucvm] 13-context: ok source=NoCloud (persisted)');
    expect(lines).toContain(`[ucvm] 14-cvmfs: ok ${REPO} rev ${HASH} tag - (fresh)`);
    expect(lines).toContain('[ucvm] 20-union: ok overlay lower=/cernvm/prod');
    expect(lines).toContain('[ucvm] 30-pids: ok 1 processes');
    expect(lines).toContain(`hook root=${fx.newroot} first=1 key=$(touch /tmp/ucvm-boot-pwned)`);
    expect(lines).toContain('[ucvm] bootstrap: info ok: configured');
    expect(lines).toContain('[ucvm] 97-hotfixes: info bootstrap .cernvm_bootstrap exit 0');
    expect(lines.at(-1)).toBe('[ucvm] 99-boot: ok switch_root /sbin/init');
    expect(existsSync('/tmp/ucvm-boot-pwned')).toBe(false);
    expect(fx.calls('switch_root')).toEqual([
      ['switch_root', '-c', '/dev/console', fx.newroot, '/sbin/init', 'arg1'],
    ]);

    // what the OS sees (§8.2)
    const rw = join(fx.newroot, 'mnt/.rw');
    expect(readFileSync(join(fx.newroot, '.cvmfs_pids'), 'utf8')).toBe('4242\n');
    expect(readFileSync(join(rw, 'aux/cvmfs_snapshot'), 'utf8')).toBe(`${HASH}\n\n`);
    expect(readFileSync(join(rw, 'context/source'), 'utf8')).toBe('NoCloud\n');
    expect(readFileSync(join(fx.newroot, 'cernvm/extra-user-data'), 'utf8')).toContain('x=1');
    expect(readFileSync(join(rw, 'ulogs/boot.log'), 'utf8')).toContain(
      '[ucvm] 99-boot: ok switch_root /sbin/init',
    );
    expect(readFileSync(join(rw, 'ulogs/devices.txt'), 'utf8')).toContain('name=vdb kind=disk');
    expect(readFileSync(join(rw, 'ulogs/cvmfs.conf'), 'utf8')).toContain(
      `CVMFS_KEYS_DIR='/etc/cvmfs/keys/${REPO}'`,
    );
    expect(readFileSync(join(fx.prefix, 'etc/resolv.conf'), 'utf8')).toBe(
      'search example.org\nnameserver 10.0.2.3\n',
    );
    expect(fx.calls('ip')).toContainEqual([
      'ip',
      'route',
      'add',
      'default',
      'via',
      '10.0.2.2',
      'dev',
      'eth0',
      'metric',
      '0',
    ]);

    // second boot: same disks and scratch contents, fresh /run and mounts
    const again = new Fixture({ cmdline: 'console=ttyS0 ucvm_devwait=0 ucvm_net=off' });
    try {
      machine(again);
      again.blkid('vdb1', { TYPE: 'ext4', LABEL: 'UROOT' });
      again.part('vdb', { num: 1, start: MiB, size: 10 * GiB - MiB });
      // the scratch file system carries over
      spawnSync('cp', ['-a', `${rw}/.`, again.rw]);
      r = init(again);
      const l2 = r.stdout.trim().split('\n');
      expect(l2).toContain('[ucvm] 02-devices: ok 2 disks; boot vda1; scratch /dev/vdb1');
      expect(l2).toContain('[ucvm] 03-network: skip ucvm_net=off');
      expect(l2).toContain('[ucvm] 04-time: skip no network');
      expect(l2).toContain('[ucvm] 10-scratch: ok /dev/vdb1 mounted');
      expect(l2).toContain('[ucvm] 13-context: ok source=NoCloud (restored)');
      expect(l2).toContain(`[ucvm] 14-cvmfs: ok ${REPO} rev ${HASH} tag - (pinned)`);
      expect(l2.at(-1)).toBe('[ucvm] 99-boot: ok switch_root /sbin/init');
      expect(again.calls('sfdisk')).toEqual([]);
      expect(again.calls('mke2fs')).toEqual([]);
      // restored without fetching: 05 skipped, no search traced, the cidata
      // partition mounted once only (02's boot-loader probe)
      expect(l2).toContain('[ucvm] 05-metadata: skip not a first boot');
      expect(again.read('run/ucvm/log/context.log')).not.toContain('05-metadata:');
      expect(again.calls('mount').filter((c) => c.includes(`${again.dev}/vda2`))).toHaveLength(1);
      const prev = join(again.newroot, 'mnt/.rw/ulogs/previous/boot.log');
      expect(readFileSync(prev, 'utf8')).toContain('10-scratch: ok /dev/vdb1 created');
    } finally {
      again.cleanup();
    }
  });

  it('a failing bootstrap hook gives warn; /sbin/init outside the OS panics', () => {
    fx = new Fixture({
      cmdline: 'ucvm_devwait=0 ucvm_net=off ucvm_panic=poweroff ucvm_panic_delay=0',
    });
    machine(fx, { hook: 'echo failing; exit 3\n' });
    fx.shim(
      'cvmfs2',
      `mkdir -p "${fx.ro}/cernvm/prod" && cp "${fx.path('hook.sh')}" "${fx.ro}/cernvm/prod/.ucernvm_bootstrap"`,
    );
    const r = init(fx);
    expect(r.stdout).toContain('[ucvm] 97-hotfixes: warn bootstrap .ucernvm_bootstrap failed (3)');
    expect(r.stdout).toContain('UCVM-PANIC: 99-boot: /sbin/init not found in the OS');
    expect(fx.calls('switch_root')).toEqual([]);
  });
  it('nothing found on the first boot: the next boot looks again and persists; the one after restores', () => {
    const cmdline = 'console=ttyS0 ucvm_devwait=0 ucvm_net=off cernvm_path=cernvm/prod';
    fx = new Fixture({ cmdline });
    machine(fx);
    // first boot: the second partition is no config drive yet
    fx.blkid('vda2', { TYPE: 'vfat', LABEL: 'DATA' });
    let r = init(fx);
    expect(r.stdout).toContain('[ucvm] 05-metadata: ok source=(none)');
    expect(r.stdout).toContain('[ucvm] 13-context: ok source=(none) (persisted)');
    expect(r.stdout.trim().split('\n').at(-1)).toBe('[ucvm] 99-boot: ok switch_root /sbin/init');
    let rw = join(fx.newroot, 'mnt/.rw');
    expect(readFileSync(join(rw, 'context/source'), 'utf8')).toBe('(none)\n');

    const boot = (prev: string): Fixture => {
      const f = new Fixture({ cmdline });
      machine(f);
      f.blkid('vdb1', { TYPE: 'ext4', LABEL: 'UROOT' });
      f.part('vdb', { num: 1, start: MiB, size: 10 * GiB - MiB });
      spawnSync('cp', ['-a', `${prev}/.`, f.rw]);
      return f;
    };
    // second boot: the cidata partition is there now
    const second = boot(rw);
    try {
      r = init(second);
      const l = r.stdout.trim().split('\n');
      expect(l).toContain('[ucvm] 05-metadata: skip not a first boot');
      expect(l).toContain(
        '[ucvm] 13-context: info no context found on an earlier boot: looking again',
      );
      expect(l).toContain('[ucvm] 13-context: ok source=NoCloud (persisted)');
      expect(l.at(-1)).toBe('[ucvm] 99-boot: ok switch_root /sbin/init');
      rw = join(second.newroot, 'mnt/.rw');
      expect(readFileSync(join(rw, 'context/source'), 'utf8')).toBe('NoCloud\n');
      expect(readFileSync(join(rw, 'context/ucontext'), 'utf8')).toContain(
        "_UCONTEXT_CERNVM_PATH='cernvm/prod'",
      );
      // the extra user data of the first boot is parsed again with it
      expect(readFileSync(join(rw, 'context/extra-ucontext'), 'utf8')).toContain("_UCONTEXT_X='1'");
      expect(existsSync('/tmp/ucvm-boot-pwned')).toBe(false);
      // third boot: restored, nothing probed for metadata
      const third = boot(rw);
      try {
        r = init(third);
        expect(r.stdout).toContain('[ucvm] 13-context: ok source=NoCloud (restored)');
        expect(r.stdout).not.toContain('looking again');
        expect(third.read('run/ucvm/log/context.log')).not.toContain('05-metadata:');
        expect(third.calls('mount').filter((c) => c.includes(`${third.dev}/vda2`))).toHaveLength(1);
      } finally {
        third.cleanup();
      }
    } finally {
      second.cleanup();
    }
  });
});
