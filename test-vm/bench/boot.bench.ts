// Boot-time benchmark (testing.md "Benchmarks", issue #8). Run: `pnpm bench` (all packages,
// through turbo) or `cd test-vm && pnpm bench`. Not a test: it prints, never fails on time.
//
// Both boots use the same kernel (the default config's Debian kernel component), TCG, 768 MiB,
// and the same console, from QEMU start:
//   bare  — a busybox initrd whose /init prints a marker at once (fixtures/marker-initrd.ts);
//   ucvm  — the ucvm initrd (CernVM-FS stand-in) through every init stage, a first boot on an
//           empty 2 GiB scratch disk, to the test OS's first line after switch_root (hand-off).
// The ratio ucvm / bare comes from the same run, so host load affects both alike.
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { branchParameters } from '@ucvm/components';
import { afterAll, beforeAll, bench, describe } from 'vitest';
import { withVmRun } from '../src/index.js';
import { type TestInitrd, testInitrd } from '../test/fixtures/init-initrd.js';
import { buildOsDisk, OS_MARKER } from '../test/fixtures/init-os-disk.js';
import { BOOT_MARKER, buildMarkerInitrd, MARKER_APPEND } from '../test/fixtures/marker-initrd.js';

const MEMORY_MIB = 768;
const SCRATCH_BYTES = 2 * 1024 ** 3;
/** One measurement each: a boot takes tens of seconds, vitest's repetitions would take hours. */
const ONCE = { iterations: 1, time: 0, warmupIterations: 0, warmupTime: 0 };

let built: TestInitrd;
let work: string;
let markerInitrd: string;
const seconds: { bare?: number; ucvm?: number } = {};
/** `[ucvm] NN-stage: …` lines of the ucvm boot, with their time since QEMU started. */
const stages: string[] = [];

beforeAll(async () => {
  built = await testInitrd();
  work = await mkdtemp(join(tmpdir(), 'ucvm-boot-bench-'));
  markerInitrd = join(work, 'marker-initrd.img');
  await buildMarkerInitrd(markerInitrd);
}, 400_000);

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
  if (built) await rm(dirname(built.initrd), { recursive: true, force: true });
  const f = (s: number | undefined) =>
    s === undefined ? '   —  ' : `${s.toFixed(1).padStart(5)} s`;
  const out = [
    '',
    `boot time under TCG, kernel ${built?.kernel.version ?? '?'}, ${MEMORY_MIB} MiB, from QEMU start:`,
    `  bare busybox initrd to its marker     ${f(seconds.bare)}`,
    `  ucvm initrd to the OS hand-off        ${f(seconds.ucvm)}`,
    seconds.bare && seconds.ucvm
      ? `  ratio ucvm / bare                     ${(seconds.ucvm / seconds.bare).toFixed(2)}`
      : '  ratio ucvm / bare                     — (a boot did not finish)',
    ...(stages.length > 0 ? ['  ucvm stages:', ...stages.map((l) => `    ${l}`)] : []),
    '',
  ];
  console.log(out.join('\n'));
});

/** Lines of the serial console, timed on arrival (ms since `t0`). */
function timedLines(t0: number, keep: (line: string) => boolean, into: string[]) {
  let partial = '';
  return (chunk: Uint8Array): void => {
    const parts = (partial + Buffer.from(chunk).toString('utf8')).split('\n');
    partial = parts.pop() ?? '';
    const at = ((performance.now() - t0) / 1000).toFixed(1).padStart(5);
    for (const p of parts) if (keep(p)) into.push(`${at} s  ${p.replace(/\r$/, '')}`);
  };
}

describe('boot time (TCG, same kernel)', () => {
  bench(
    'bare busybox initrd → marker',
    async () => {
      await withVmRun('bench-boot-bare', async (run) => {
        const vm = await run.start({
          kernel: built.kernel.image,
          initrd: markerInitrd,
          append: MARKER_APPEND,
          memoryMiB: MEMORY_MIB,
          deadlineMs: 180_000,
        });
        const m = await vm.waitFor(BOOT_MARKER, { timeoutMs: 150_000 });
        seconds.bare = m.elapsedMs / 1000;
        await vm.waitForExit({ timeoutMs: 30_000 });
      });
    },
    ONCE,
  );

  bench(
    'ucvm initrd → test OS hand-off',
    async () => {
      await withVmRun('bench-boot-ucvm', async (run) => {
        const osDisk = await buildOsDisk(run.dir, built.branch.path);
        const scratch = join(run.dir, 'scratch.img');
        const t = spawnSync('truncate', ['-s', String(SCRATCH_BYTES), scratch], {
          timeout: 30_000,
        });
        if (t.status !== 0) throw new Error(`truncate failed: ${t.stderr}`);
        const branch = branchParameters(built.branch).map(([k, v]) => `${k}=${v}`);
        const append = ['console=ttyS0', 'panic=-1', ...branch, 'ucvm_panic=poweroff'];
        append.push('ucvm_ntp=off', 'ucvm_panic_delay=5');
        stages.length = 0;
        const t0 = performance.now();
        const vm = await run.start({
          kernel: built.kernel.image,
          initrd: built.initrd,
          append: append.join(' '),
          drives: [
            { file: osDisk, interface: 'virtio', mode: 'readonly' },
            { file: scratch, interface: 'virtio', mode: 'readwrite' },
          ],
          network: {},
          memoryMiB: MEMORY_MIB,
          deadlineMs: 480_000,
          onSerial: timedLines(t0, (l) => /^\[ucvm\] \S+: /.test(l), stages),
        });
        const m = await vm.waitFor(OS_MARKER, { timeoutMs: 450_000 });
        seconds.ucvm = m.elapsedMs / 1000;
        await vm.waitForExit({ timeoutMs: 60_000 });
      });
    },
    ONCE,
  );
});
