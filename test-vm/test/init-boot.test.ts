import { spawnSync } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { branchParameters } from '@ucvm/components';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withVmRun } from '../src/index.js';
import { type TestInitrd, testInitrd } from './fixtures/init-initrd.js';
import { buildOsDisk, OS_MARKER, OS_ROOT_HASH } from './fixtures/init-os-disk.js';

/** Part-1 stages in boot order (runtime.md §1.1; part-2 stages are not in this init yet). */
const STAGES = [
  '00-setup',
  '01-modules',
  '02-devices',
  '03-network',
  '04-time',
  '10-scratch',
  '13-context',
  '14-cvmfs',
  '20-union',
  '30-pids',
  '96-save-logs',
  '97-hotfixes',
  '99-boot',
] as const;

/** Per-stage deadline under TCG: 03 waits for DHCP, 10 formats 2 GiB, 14 mounts. */
const STAGE_TIMEOUT_MS = 60_000;
const SCRATCH_BYTES = 2 * 1024 * 1024 * 1024;
const PANIC_DELAY_S = 5;

let built: TestInitrd;

beforeAll(async () => {
  built = await testInitrd();
}, 400_000);

afterAll(async () => {
  if (built) await rm(dirname(built.initrd), { recursive: true, force: true });
});

/** The branch's kernel parameters (bootloader command line, build.md) plus the test's. */
function cmdline(extra: string[]): string {
  const branch = branchParameters(built.branch).map(([k, v]) => `${k}=${v}`);
  return ['console=ttyS0', 'panic=-1', ...branch, 'ucvm_panic=poweroff', ...extra].join(' ');
}

/** A host tool with a deadline; returns stdout, throws with stderr on failure. */
function host(cmd: string, args: string[], okCodes: number[] = [0]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 120_000, maxBuffer: 16 << 20 });
  if (r.error || r.status === null || !okCodes.includes(r.status)) {
    throw new Error(
      `${cmd} ${args.join(' ')}: ${r.error?.message ?? `exit ${r.status}`}\n${r.stderr}`,
    );
  }
  return r.stdout;
}

const line = (stage: string) => new RegExp(`^\\[ucvm\\] ${stage}: (ok|skip|warn)( .*)?$`);

describe('the µCernVM init boots in QEMU (issue #5)', () => {
  it('first boot on an empty second disk: every stage in order, up to the OS', async () => {
    await withVmRun('init-boot-first', async (run) => {
      const osDisk = await buildOsDisk(run.dir, built.branch.path);
      const scratch = join(run.dir, 'scratch.img');
      host('truncate', ['-s', String(SCRATCH_BYTES), scratch]);
      const vm = await run.start({
        kernel: built.kernel.image,
        initrd: built.initrd,
        append: cmdline(['ucvm_ntp=off', `ucvm_panic_delay=${PANIC_DELAY_S}`]),
        drives: [
          { file: osDisk, interface: 'virtio', mode: 'readonly' },
          { file: scratch, interface: 'virtio', mode: 'readwrite' },
        ],
        network: {},
        memoryMiB: 768,
        deadlineMs: 400_000,
      });
      await vm.waitFor('Welcome to micro-CernVM', { timeoutMs: 60_000 });
      const results: Record<string, string> = {};
      for (const stage of STAGES) {
        const m = await vm.waitFor(line(stage), { timeoutMs: STAGE_TIMEOUT_MS });
        results[stage] = m.line;
        console.log(`[init-boot] ${(m.elapsedMs / 1000).toFixed(1)} s  ${m.line}`);
      }
      const os = await vm.waitFor(OS_MARKER, { timeoutMs: 30_000 });
      console.log(
        `[boot-time] init-boot (${built.kernel.version}): OS init after ${(os.elapsedMs / 1000).toFixed(1)} s`,
      );
      const pids = await vm.waitFor(/^UCVM-TEST-OS: cvmfs_pids=(.*)$/, { timeoutMs: 10_000 });
      const exit = await vm.waitForExit({ timeoutMs: 30_000 });
      expect(exit.code).toBe(0);
      expect(vm.console.lines.some((l) => l.includes('UCVM-PANIC'))).toBe(false);

      expect(results['00-setup']).toBe(`[ucvm] 00-setup: ok version ${built.strongVersion}`);
      expect(results['01-modules']).toMatch(/: ok/);
      expect(results['02-devices']).toMatch(/: ok 2 disks; boot none; first boot$/);
      expect(results['03-network']).toMatch(/: ok dhcp eth0 10\.0\.2\.\d+\/24$/);
      expect(results['04-time']).toBe('[ucvm] 04-time: skip ntp off');
      expect(results['10-scratch']).toMatch(/: ok \/dev\/vdb1 created/);
      expect(results['14-cvmfs']).toBe(
        `[ucvm] 14-cvmfs: ok ${built.branch.repository} rev ${OS_ROOT_HASH} tag - (fresh)`,
      );
      expect(results['20-union']).toBe(`[ucvm] 20-union: ok overlay lower=/${built.branch.path}`);
      expect(results['99-boot']).toBe('[ucvm] 99-boot: ok switch_root /sbin/init');
      expect(pids.groups?.[1]?.trim()).toMatch(/^\d+( \d+)*$/);

      // The scratch disk, read from the host (runtime.md §4, §8.2 offline).
      const dump = host('sfdisk', ['--dump', scratch]);
      expect(dump).toMatch(/^label: dos$/m);
      const part = /^\S+1 : start=\s*(\d+), size=\s*(\d+), type=83$/m.exec(dump);
      expect(part, dump).not.toBeNull();
      expect(Number(part?.[1])).toBe(2048);
      expect(Number(part?.[2])).toBe(SCRATCH_BYTES / 512 - 2048);
      expect(dump.match(/ : start=/g)).toHaveLength(1);
      // A copy of partition 1 (sparse), journal replayed by e2fsck on the copy only.
      const partImg = join(run.dir, 'scratch-part1.img');
      host('dd', [
        `if=${scratch}`,
        `of=${partImg}`,
        'bs=1M',
        'skip=1',
        'conv=sparse',
        'status=none',
      ]);
      host('e2fsck', ['-fy', partImg], [0, 1]);
      expect(host('e2label', [partImg]).trim()).toBe('UROOT');
      const root = host('debugfs', ['-R', 'ls -l /', partImg]);
      for (const d of ['aux', 'persistent', 'work', 'cache', 'context', 'ulogs', 'kexec']) {
        expect(root, `scratch /${d}`).toMatch(new RegExp(`\\s${d}\\s*$`, 'm'));
      }
      expect(root).toMatch(/^\s*\d+\s+40700 .*\scontext\s*$/m);
      expect(host('debugfs', ['-R', 'cat /aux/layout', partImg])).toBe(
        'ucvm-layout=2\nunion=overlay\n',
      );
      const aux = host('debugfs', ['-R', 'ls /aux', partImg]);
      for (const f of ['layout', 'busybox', 'safety', 'cvmfs_snapshot', 'uid_map', 'gid_map'])
        expect(aux, `aux/${f}`).toContain(f);
      expect(aux).not.toContain('panic-count');
      const safety = host('debugfs', ['-R', 'ls /aux/safety', partImg]);
      expect(safety).toContain('50m');
      expect(safety).toContain('inode_spacer127');
      expect(host('debugfs', ['-R', 'cat /aux/cvmfs_snapshot', partImg])).toBe(
        `${OS_ROOT_HASH}\n\n`,
      );
      const persistent = host('debugfs', ['-R', 'ls /persistent', partImg]);
      expect(persistent).toContain('.cvmfs_pids');
      const ulogs = host('debugfs', ['-R', 'cat /ulogs/boot.log', partImg]);
      expect(ulogs).toContain('[ucvm] 99-boot: ok switch_root /sbin/init');
      // boot.log = the console lines (runtime.md §8.2), each behind its uptime.
      const banner = `ucvm ${built.strongVersion}`;
      for (const l of ulogs.trim().split('\n'))
        expect(l).toMatch(/^\d+\.\d+ (\[ucvm\] |Welcome to micro-CernVM$|ucvm \S+$)/);
      expect(ulogs).toContain(banner);
      expect(ulogs).toContain(results['14-cvmfs']);
      // The stand-in's record: the config the init wrote (runtime.md §5.2).
      const record = host('debugfs', [
        '-R',
        `cat /cache/cvmfs-standin/${built.branch.repository}.record`,
        partImg,
      ]);
      expect(record).toContain(`repo=${built.branch.repository}`);
      expect(record).toContain(
        `CVMFS_SERVER_URL=http://hepvm.cern.ch/cvmfs/${built.branch.repository};`,
      );
      expect(record).toMatch(/^CVMFS_QUOTA_LIMIT=\d+$/m);
      expect(record).toContain(`CVMFS_KEYS_DIR=/etc/cvmfs/keys/${built.branch.repository}`);
      // The image's nc.openbsd serves the control socket (the init's transport, INIT.md).
      expect(record).toMatch(/^control=\/(usr\/)?bin\/nc\.openbsd$/m);
      // slirp with restrict=on leases no DNS server, so there is no nameserver to send
      // (14 item 4); the send itself is covered by the host test with the real nc.openbsd.
      expect(record).not.toContain('event=nameserver');
    });
  }, 600_000);

  it('no usable disk: UCVM-PANIC from 10-scratch, then poweroff after the configured delay', async () => {
    await withVmRun('init-boot-nodisk', async (run) => {
      const vm = await run.start({
        kernel: built.kernel.image,
        initrd: built.initrd,
        append: cmdline(['ucvm_net=off', `ucvm_panic_delay=${PANIC_DELAY_S}`]),
        deadlineMs: 240_000,
      });
      const panic = await vm.waitFor('UCVM-PANIC: 10-scratch: no usable scratch storage', {
        timeoutMs: 150_000,
      });
      console.log(
        `[boot-time] init-boot-nodisk: panic after ${(panic.elapsedMs / 1000).toFixed(1)} s`,
      );
      await vm.waitFor(`[ucvm] panic: info poweroff in ${PANIC_DELAY_S} s`, { timeoutMs: 10_000 });
      const exit = await vm.waitForExit({ timeoutMs: (PANIC_DELAY_S + 20) * 1000 });
      const afterPanic = (exit.elapsedMs - panic.elapsedMs) / 1000;
      console.log(`[init-boot-nodisk] QEMU exited ${afterPanic.toFixed(1)} s after the panic line`);
      expect(exit.code).toBe(0);
      expect(afterPanic).toBeGreaterThanOrEqual(PANIC_DELAY_S - 1);
      expect(afterPanic).toBeLessThan(PANIC_DELAY_S + 20);
      // No stage after 10-scratch ran.
      expect(vm.console.lines.some((l) => /^\[ucvm\] 1[3-9]-|^\[ucvm\] [2-9]\d-/.test(l))).toBe(
        false,
      );
    });
  }, 300_000);
});
