import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withVmRun } from '../src/index.js';
import { bootToTestOs, ONE_BOOT_TEST_MS } from './fixtures/matrix-boot.js';
import { emptyDisk, partitions, SCRATCH_DISK_BYTES } from './fixtures/matrix-disks.js';
import { useMatrixImages } from './fixtures/matrix-images.js';
import { buildTestOsDisk } from './fixtures/test-os.js';

// Issue #8 "done when": a failing scenario leaves its serial log and disk images where the
// test output says. Forced here in a controlled way: the test OS disk holds the OS under a
// path that is not the branch's cernvm_path, so 14-cvmfs panics before the hand-off.

const images = useMatrixImages();
let artifactsRoot: string;

beforeAll(async () => {
  // The failure is deliberate: keep its artifacts out of test-vm/artifacts.
  artifactsRoot = await mkdtemp(join(tmpdir(), 'ucvm-matrix-failure-'));
});

afterAll(async () => {
  await rm(artifactsRoot, { recursive: true, force: true });
});

describe('a failing matrix scenario keeps its artifacts', () => {
  it(
    'reports where the serial log and the disks it wrote are kept',
    async () => {
      const m = images();
      const error = await withVmRun(
        'matrix-forced-failure',
        async (run) => {
          const os = await buildTestOsDisk(run.dir, { cernvmPath: 'not-the-branch-path' });
          const scratch = await emptyDisk(run.dir, 'scratch.img', SCRATCH_DISK_BYTES);
          await bootToTestOs(run, 'matrix forced failure', {
            cdroms: [m.iso],
            bootOrder: 'd',
            drives: [
              { file: os, interface: 'virtio', mode: 'readonly' },
              { file: scratch, interface: 'virtio', mode: 'readwrite' },
            ],
          });
        },
        { artifactsRoot },
      ).then(
        () => undefined,
        (e: unknown) => e as Error,
      );
      expect(error).toBeInstanceOf(Error);
      const message = error?.message ?? '';
      expect(message).toContain(
        `UCVM-PANIC: 14-cvmfs: cernvm_path /${m.branch.path} not found in ${m.branch.repository}`,
      );
      const kept = /artifacts kept in: (\S+)/.exec(message)?.[1];
      expect(kept, message).toBeDefined();
      const dir = kept ?? '';
      expect(dir.startsWith(artifactsRoot)).toBe(true);
      console.log(`[matrix] forced failure kept: ${dir}`);
      // The serial log with the panic, the OS disk, and the scratch disk as the init left it.
      expect(readFileSync(join(dir, 'vm1.serial.log'), 'utf8')).toContain('UCVM-PANIC: 14-cvmfs');
      expect(existsSync(join(dir, 'testos.img'))).toBe(true);
      expect((await partitions(join(dir, 'scratch.img'))).map((p) => p.number)).toEqual([1]);
      expect(existsSync(join(dir, 'disks'))).toBe(true); // the ISO (outside the run dir)
      // Kept sparse: the scratch disk's blocks are what the init wrote, not its whole size.
      const scratch = statSync(join(dir, 'scratch.img'));
      expect(scratch.size).toBe(SCRATCH_DISK_BYTES);
      expect(scratch.blocks * 512).toBeLessThan(SCRATCH_DISK_BYTES / 4);
    },
    ONE_BOOT_TEST_MS,
  );
});
