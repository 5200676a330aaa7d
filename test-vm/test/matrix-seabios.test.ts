import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { withVmRun } from '../src/index.js';
import { exec } from './fixtures/exec.js';
import { buildGrubLegacyLoader } from './fixtures/images-grub-legacy.js';
import { bootToTestOs, ONE_BOOT_TEST_MS } from './fixtures/matrix-boot.js';
import {
  debugfsCat,
  emptyDisk,
  grownCopy,
  partitions,
  SCRATCH_DISK_BYTES,
  scratchCopy,
} from './fixtures/matrix-disks.js';
import { expectFirstBootFromCmdline, expectOsContracts } from './fixtures/matrix-expect.js';
import { useMatrixImages } from './fixtures/matrix-images.js';
import { buildTestOsDisk, OS_ROOT_HASH } from './fixtures/test-os.js';

// testing.md §4 scenarios 1–3: the images of `ucvm build --cvmfs-standin` (no ucvm.smoke)
// boot under SeaBIOS through every stage to the test OS. The context is the kernel command
// line of the image's boot entry (no user-data source is attached).

const images = useMatrixImages();

/** sha256 of `bytes` bytes of `file` from `offset`. */
async function hashRange(file: string, offset: number, bytes: number): Promise<string> {
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.alloc(bytes);
    await fh.read(buf, 0, bytes, offset);
    return createHash('sha256').update(buf).digest('hex');
  } finally {
    await fh.close();
  }
}

describe('boot matrix under SeaBIOS (testing.md §4 scenarios 1–3)', () => {
  it(
    '1: ISO as CD-ROM, empty virtio second disk → scratch created, hand-off to the OS',
    async () => {
      await withVmRun('matrix-1-iso-cdrom', async (run) => {
        const m = images();
        const os = await buildTestOsDisk(run.dir, { cernvmPath: m.branch.path });
        const scratch = await emptyDisk(run.dir, 'scratch.img', SCRATCH_DISK_BYTES);
        const boot = await bootToTestOs(
          run,
          'matrix 1: ISO CD-ROM, SeaBIOS',
          {
            cdroms: [m.iso],
            bootOrder: 'd',
            drives: [
              { file: os, interface: 'virtio', mode: 'readonly' },
              { file: scratch, interface: 'virtio', mode: 'readwrite' },
            ],
          },
          ['ISOLINUX 6.04'],
        );
        expectOsContracts(boot, m);
        expectFirstBootFromCmdline(boot, m);
        expect(boot.stages['02-devices']).toMatch(/^ok \d+ disks; boot \S+; first boot$/);
        expect(boot.stages['10-scratch']).toMatch(/^ok \/dev\/vdb1 created \(\d+ MiB\)$/);
        // One partition at 1 MiB over the whole disk (runtime.md §3 10.1), labelled UROOT.
        expect(await partitions(scratch)).toEqual([
          { number: 1, start: 2048, size: SCRATCH_DISK_BYTES / 512 - 2048, type: '83' },
        ]);
        const part = await scratchCopy(scratch, 1, run.dir, 'scratch-p1.img');
        expect((await exec('e2label', [part], { timeoutMs: 30_000, hint: '' })).trim()).toBe(
          'UROOT',
        );
        expect(await debugfsCat(part, '/aux/cvmfs_snapshot')).toBe(`${OS_ROOT_HASH}\n\n`);
      });
    },
    ONE_BOOT_TEST_MS,
  );

  for (const variant of [
    { name: 'virtio', machine: 'pc', iface: 'virtio', dev: '/dev/vda' },
    { name: 'IDE (pc PIIX)', machine: 'pc', iface: 'ide', dev: '/dev/sda' },
    { name: 'SATA (q35 AHCI)', machine: 'q35', iface: 'ide', dev: '/dev/sda' },
  ] as const) {
    it(
      `2: HDD on ${variant.name}, grown, no second disk → scratch in the boot disk's free space`,
      async () => {
        await withVmRun(`matrix-2-hdd-${variant.machine}-${variant.iface}`, async (run) => {
          const m = images();
          const os = await buildTestOsDisk(run.dir, { cernvmPath: m.branch.path });
          const hdd = await grownCopy(m.hdd, run.dir, 'boot-grown.hdd', SCRATCH_DISK_BYTES);
          const [bootPart] = await partitions(hdd);
          if (!bootPart) throw new Error(`${m.hdd} has no partition`);
          const bootBytes = bootPart.size * 512;
          const before = await hashRange(hdd, bootPart.start * 512, bootBytes);
          const boot = await bootToTestOs(
            run,
            `matrix 2: HDD on ${variant.name}, SeaBIOS`,
            {
              machine: variant.machine,
              bootOrder: 'c',
              drives: [
                { file: hdd, interface: variant.iface, mode: 'readwrite' },
                { file: os, interface: 'virtio', mode: 'readonly' },
              ],
            },
            ['SYSLINUX 6.04'],
          );
          expectOsContracts(boot, m);
          expectFirstBootFromCmdline(boot, m);
          expect(boot.stages['10-scratch']).toMatch(
            new RegExp(`^ok ${variant.dev}2 created \\(\\d+ MiB\\)$`),
          );
          // Partition 1 kept as it was; partition 2 = the free space, 1 MiB aligned (10.3).
          const parts = await partitions(hdd);
          expect(parts).toHaveLength(2);
          expect(parts[0]).toEqual(bootPart);
          const p2 = parts[1];
          const firstFree = bootPart.start + bootPart.size;
          const aligned = Math.ceil(firstFree / 2048) * 2048;
          expect(p2).toEqual({
            number: 2,
            start: aligned,
            size: SCRATCH_DISK_BYTES / 512 - aligned,
            type: '83',
          });
          expect(await hashRange(hdd, bootPart.start * 512, bootBytes), 'boot partition').toBe(
            before,
          );
          const part = await scratchCopy(hdd, 2, run.dir, 'scratch-p2.img');
          expect(await debugfsCat(part, '/aux/layout')).toBe('ucvm-layout=2\nunion=overlay\n');
        });
      },
      ONE_BOOT_TEST_MS,
    );
  }

  it(
    '3: FAT image through GRUB legacy_configfile (PV-GRUB stand-in) → hand-off to the OS',
    async () => {
      await withVmRun('matrix-3-fat-grub-legacy', async (run) => {
        const m = images();
        const os = await buildTestOsDisk(run.dir, { cernvmPath: m.branch.path });
        const scratch = await emptyDisk(run.dir, 'scratch.img', SCRATCH_DISK_BYTES);
        const loader = await buildGrubLegacyLoader(run.dir);
        const boot = await bootToTestOs(
          run,
          'matrix 3: FAT via GRUB legacy_configfile',
          {
            kernel: loader,
            drives: [
              { file: m.fat, interface: 'ide', mode: 'snapshot' },
              { file: os, interface: 'virtio', mode: 'readonly' },
              { file: scratch, interface: 'virtio', mode: 'readwrite' },
            ],
          },
          ['Booting `uCernVM prod'],
        );
        expectOsContracts(boot, m);
        expectFirstBootFromCmdline(boot, m);
        expect(boot.stages['10-scratch']).toMatch(/^ok \/dev\/vdb1 created/);
        expect((await partitions(scratch)).map((p) => p.number)).toEqual([1]);
      });
    },
    ONE_BOOT_TEST_MS,
  );
});
