import { describe, expect, it } from 'vitest';
import { withVmRun } from '../src/index.js';
import { bootToTestOs, ONE_BOOT_TEST_MS } from './fixtures/matrix-boot.js';
import { emptyDisk, SCRATCH_DISK_BYTES } from './fixtures/matrix-disks.js';
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
});
