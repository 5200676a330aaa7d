import { describe, expect, it } from 'vitest';
import { withVmRun } from '../src/index.js';
import { bootToTestOs, ONE_BOOT_TEST_MS } from './fixtures/matrix-boot.js';
import {
  emptyDisk,
  gptAlternateLba,
  gptGrownCopy,
  partitions,
  SCRATCH_DISK_BYTES,
} from './fixtures/matrix-disks.js';
import { expectFirstBootFromCmdline, expectOsContracts } from './fixtures/matrix-expect.js';
import { useMatrixImages } from './fixtures/matrix-images.js';
import { buildTestOsDisk } from './fixtures/test-os.js';

// testing.md §4 scenario 4: under OVMF the ISO (El Torito UEFI entry → GRUB) and the HDD
// (its FAT partition carries EFI/BOOT/BOOTX64.EFI, image-recipes §4.6) boot to the test OS.

const images = useMatrixImages();

describe('boot matrix under OVMF (testing.md §4 scenario 4)', () => {
  it(
    '4: ISO as CD-ROM under OVMF → hand-off to the OS, scratch on the empty disk',
    async () => {
      await withVmRun('matrix-4-ovmf-iso', async (run) => {
        const m = images();
        const os = await buildTestOsDisk(run.dir, { cernvmPath: m.branch.path });
        const scratch = await emptyDisk(run.dir, 'scratch.img', SCRATCH_DISK_BYTES);
        const boot = await bootToTestOs(
          run,
          'matrix 4: ISO CD-ROM, OVMF',
          {
            firmware: 'uefi',
            cdroms: [m.iso],
            drives: [
              { file: os, interface: 'virtio', mode: 'readonly' },
              { file: scratch, interface: 'virtio', mode: 'readwrite' },
            ],
          },
          [/BdsDxe: starting .*DVD-ROM/, 'Welcome to GRUB!', `Booting uCernVM ${m.branch.name}`],
        );
        expectOsContracts(boot, m);
        expectFirstBootFromCmdline(boot, m);
        expect(boot.stages['10-scratch']).toMatch(/^ok \/dev\/vdb1 created/);
      });
    },
    ONE_BOOT_TEST_MS,
  );

  it(
    '4: HDD (FAT partition with EFI/BOOT) on virtio under OVMF → hand-off to the OS',
    async () => {
      await withVmRun('matrix-4-ovmf-hdd', async (run) => {
        const m = images();
        const os = await buildTestOsDisk(run.dir, { cernvmPath: m.branch.path });
        const scratch = await emptyDisk(run.dir, 'scratch.img', SCRATCH_DISK_BYTES);
        const boot = await bootToTestOs(
          run,
          'matrix 4: HDD on virtio, OVMF',
          {
            firmware: 'uefi',
            drives: [
              { file: m.hdd, interface: 'virtio', mode: 'snapshot' },
              { file: os, interface: 'virtio', mode: 'readonly' },
              { file: scratch, interface: 'virtio', mode: 'readwrite' },
            ],
          },
          [/BdsDxe: starting /, `Booting uCernVM ${m.branch.name}`],
        );
        expectOsContracts(boot, m);
        expectFirstBootFromCmdline(boot, m);
        // An empty disk comes before free space on the boot disk (runtime.md §3 10 rules 2, 4).
        expect(boot.stages['10-scratch']).toMatch(/^ok \/dev\/vdc1 created/);
      });
    },
    ONE_BOOT_TEST_MS,
  );

  it(
    '§8.4: the HDD on a larger GPT disk, no other disk → backup header relocated, scratch added',
    async () => {
      await withVmRun('matrix-84-gpt-grown', async (run) => {
        const m = images();
        const os = await buildTestOsDisk(run.dir, { cernvmPath: m.branch.path });
        const disk = await gptGrownCopy(m.hdd, run.dir, 'boot-gpt.img', SCRATCH_DISK_BYTES);
        const [p1] = await partitions(disk);
        const lastLba = SCRATCH_DISK_BYTES / 512 - 1;
        expect(await gptAlternateLba(disk)).toBeLessThan(lastLba);
        const boot = await bootToTestOs(
          run,
          'matrix §8.4: HDD on a grown GPT disk, OVMF',
          {
            firmware: 'uefi',
            drives: [
              { file: disk, interface: 'virtio', mode: 'readwrite' },
              { file: os, interface: 'virtio', mode: 'readonly' },
            ],
          },
          [/BdsDxe: starting /, `Booting uCernVM ${m.branch.name}`],
        );
        expectOsContracts(boot, m);
        expect(boot.stages['10-scratch']).toMatch(/^ok \/dev\/vda2 created/);
        expect(await gptAlternateLba(disk), 'backup GPT header at the last LBA').toBe(lastLba);
        const parts = await partitions(disk);
        expect(parts[0]).toEqual(p1);
        const p2 = parts[1];
        expect(p2?.number).toBe(2);
        expect(p2?.type).toBe('0FC63DAF-8483-4772-8E79-3D69D8477DE4');
        expect((p2?.start ?? 0) % 2048).toBe(0);
        expect(p2?.start ?? 0).toBeGreaterThanOrEqual((p1?.start ?? 0) + (p1?.size ?? 0));
        // Up to the backup table (33 sectors before the last LBA), at least the 750 MiB minimum.
        expect((p2?.start ?? 0) + (p2?.size ?? 0)).toBeLessThanOrEqual(lastLba - 32);
        expect(p2?.size ?? 0).toBeGreaterThanOrEqual((750 * 1024 * 1024) / 512);
      });
    },
    ONE_BOOT_TEST_MS,
  );
});
