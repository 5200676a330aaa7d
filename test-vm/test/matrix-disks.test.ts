import { describe, expect, it } from 'vitest';
import { type Vm, type VmRun, withVmRun } from '../src/index.js';
import {
  bootToTestOs,
  ONE_BOOT_TEST_MS,
  STEP_MS,
  stageLines,
  VM_MS,
} from './fixtures/matrix-boot.js';
import {
  debugfsCat,
  debugfsLs,
  emptyDisk,
  fileSystemDisk,
  MiB,
  partitions,
  SCRATCH_DISK_BYTES,
  scratchCopy,
  sha256File,
  tableOnlyDisk,
} from './fixtures/matrix-disks.js';
import { MATRIX_PANIC_DELAY_S, useMatrixImages } from './fixtures/matrix-images.js';
import { buildTestOsDisk, OS_ROOT_HASH } from './fixtures/test-os.js';

// testing.md §4 scenarios 9 and 10, and the disk cases of runtime.md §8.4: which disk becomes
// scratch, which disks are never written, and the panic when none is usable. The ISO boots
// from the CD-ROM; the test OS disk is attached read-only (never eligible).

const images = useMatrixImages();

const KEEP_FILE = 'keep-me.txt';
const KEEP_TEXT = 'this file system belongs to someone else\n';

/**
 * Boots the ISO and waits for `UCVM-PANIC: <expected>`, the configured action's countdown
 * line and QEMU's exit (ucvm_panic=poweroff); returns the VM and the seconds to the panic.
 */
async function bootToPanic(
  run: VmRun,
  label: string,
  drives: { file: string; interface: 'virtio' | 'nvme'; mode: 'readonly' | 'readwrite' }[],
  expected: string,
): Promise<{ vm: Vm; panicS: number }> {
  const m = images();
  const vm = await run.start({
    cdroms: [m.iso],
    bootOrder: 'd',
    drives,
    network: {},
    memoryMiB: 768,
    deadlineMs: VM_MS,
  });
  const panic = await vm.waitFor(/^UCVM-PANIC: /, { timeoutMs: STEP_MS });
  expect(panic.line).toBe(`UCVM-PANIC: ${expected}`);
  const panicS = panic.elapsedMs / 1000;
  console.log(`[boot-time] ${label}: panic after ${panicS.toFixed(1)} s`);
  await vm.waitFor(`[ucvm] panic: info poweroff in ${MATRIX_PANIC_DELAY_S} s`, {
    timeoutMs: 30_000,
  });
  const exit = await vm.waitForExit({ timeoutMs: (MATRIX_PANIC_DELAY_S + 30) * 1000 });
  const after = (exit.elapsedMs - panic.elapsedMs) / 1000;
  console.log(`[matrix] ${label}: QEMU exited ${after.toFixed(1)} s after the panic line`);
  expect(exit.code).toBe(0);
  expect(after).toBeGreaterThanOrEqual(MATRIX_PANIC_DELAY_S - 1);
  expect(after).toBeLessThan(MATRIX_PANIC_DELAY_S + 30);
  // Nothing after the panicking stage ran, and the OS never started.
  expect(vm.console.lines.some((l) => l.includes('99-boot') || l.startsWith('UCVM-TEST-OS'))).toBe(
    false,
  );
  return { vm, panicS };
}

describe('boot matrix: disks (testing.md §4 scenarios 9, 10; runtime.md §8.4)', () => {
  it(
    '9: no usable disk (only a disk below 750 MiB) → UCVM-PANIC and poweroff in bounded time',
    async () => {
      await withVmRun('matrix-9-no-disk', async (run) => {
        const m = images();
        const os = await buildTestOsDisk(run.dir, { cernvmPath: m.branch.path });
        const small = await emptyDisk(run.dir, 'small.img', 512 * MiB);
        const { vm } = await bootToPanic(
          run,
          'matrix 9: no usable disk',
          [
            { file: os, interface: 'virtio', mode: 'readonly' },
            { file: small, interface: 'virtio', mode: 'readwrite' },
          ],
          '10-scratch: no usable scratch storage',
        );
        expect(Object.keys(stageLines(vm)).filter((s) => s > '10-scratch')).toEqual([]);
        expect(await partitions(small)).toEqual([]);
        expect(await sha256File(small)).toBe(
          await sha256File(await emptyDisk(run.dir, 'zero.img', 512 * MiB)),
        );
      });
    },
    ONE_BOOT_TEST_MS,
  );

  it(
    '10: an NVMe scratch disk is found and used; a disk with a file system is never formatted',
    async () => {
      await withVmRun('matrix-10-nvme', async (run) => {
        const m = images();
        const os = await buildTestOsDisk(run.dir, { cernvmPath: m.branch.path });
        const fsDisk = await fileSystemDisk(run.dir, 'has-fs.img', SCRATCH_DISK_BYTES, {
          [KEEP_FILE]: KEEP_TEXT,
        });
        const fsBefore = await sha256File(fsDisk);
        const nvme = await emptyDisk(run.dir, 'nvme.img', SCRATCH_DISK_BYTES);
        const boot = await bootToTestOs(run, 'matrix 10: NVMe scratch, SeaBIOS ISO', {
          cdroms: [m.iso],
          bootOrder: 'd',
          drives: [
            { file: os, interface: 'virtio', mode: 'readonly' },
            { file: fsDisk, interface: 'virtio', mode: 'readwrite' },
            { file: nvme, interface: 'nvme', mode: 'readwrite' },
          ],
        });
        expect(boot.stages['10-scratch']).toMatch(/^ok \/dev\/nvme0n1p1 created \(\d+ MiB\)$/);
        expect(boot.report.done).toBe(true);
        expect(boot.report.rootWritable).toBe(true);
        expect(boot.report.scratch).toContain('persistent');
        expect((await partitions(nvme)).map((p) => [p.number, p.start])).toEqual([[1, 2048]]);
        const part = await scratchCopy(nvme, 1, run.dir, 'nvme-p1.img');
        expect(await debugfsCat(part, '/aux/cvmfs_snapshot')).toBe(`${OS_ROOT_HASH}\n\n`);
        // Probe mounts (06-extracontext) are read-only without journal replay: not one byte
        // of the other disk changed, and its file is still there.
        expect(await sha256File(fsDisk), 'the ext4 disk was written').toBe(fsBefore);
        expect(await debugfsLs(fsDisk, '/')).toContain(KEEP_FILE);
        expect(await debugfsCat(fsDisk, `/${KEEP_FILE}`)).toBe(KEEP_TEXT);
      });
    },
    ONE_BOOT_TEST_MS,
  );

  it(
    '§8.4: disks carrying only an ext4 signature or a partition table are not used → panic, both untouched',
    async () => {
      await withVmRun('matrix-84-signatures-only', async (run) => {
        const m = images();
        const os = await buildTestOsDisk(run.dir, { cernvmPath: m.branch.path });
        const fsDisk = await fileSystemDisk(run.dir, 'has-fs.img', SCRATCH_DISK_BYTES, {
          [KEEP_FILE]: KEEP_TEXT,
        });
        const table = await tableOnlyDisk(run.dir, 'table-only.img', SCRATCH_DISK_BYTES);
        const before = [await sha256File(fsDisk), await sha256File(table)];
        await bootToPanic(
          run,
          'matrix §8.4: signature-only disks',
          [
            { file: os, interface: 'virtio', mode: 'readonly' },
            { file: fsDisk, interface: 'virtio', mode: 'readwrite' },
            { file: table, interface: 'virtio', mode: 'readwrite' },
          ],
          '10-scratch: no usable scratch storage',
        );
        expect([await sha256File(fsDisk), await sha256File(table)]).toEqual(before);
      });
    },
    ONE_BOOT_TEST_MS,
  );

  it(
    '§8.4: unreachable repository (no OS disk for the stand-in) → UCVM-PANIC: 14-cvmfs, panic recorded on scratch',
    async () => {
      await withVmRun('matrix-84-unreachable-repo', async (run) => {
        const m = images();
        const scratch = await emptyDisk(run.dir, 'scratch.img', SCRATCH_DISK_BYTES);
        await bootToPanic(
          run,
          'matrix §8.4: unreachable repository',
          [{ file: scratch, interface: 'virtio', mode: 'readwrite' }],
          `14-cvmfs: cannot mount ${m.branch.repository}`,
        );
        const part = await scratchCopy(scratch, 1, run.dir, 'scratch-p1.img');
        expect(await debugfsCat(part, '/aux/panic-count')).toBe('1\n');
        const panic = await debugfsCat(part, '/ulogs/panic.txt');
        expect(panic).toMatch(/^stage=14-cvmfs$/m);
        expect(panic).toContain(`\nreason=cannot mount ${m.branch.repository}\n`);
      });
    },
    ONE_BOOT_TEST_MS,
  );
});
