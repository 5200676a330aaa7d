import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { withVmRun } from '../src/index.js';
import { bootToTestOs, ONE_BOOT_TEST_MS } from './fixtures/matrix-boot.js';
import {
  debugfsCat,
  emptyDisk,
  preparedScratch,
  SCRATCH_DISK_BYTES,
  scratchCopy,
} from './fixtures/matrix-disks.js';
import { useMatrixImages } from './fixtures/matrix-images.js';
import { buildTestOsDisk } from './fixtures/test-os.js';

// runtime.md §8.4 cases that need no earlier VM: the scratch disk is prepared on the host (or
// the case is the end of a single boot). The ISO boots from the CD-ROM under SeaBIOS.

const images = useMatrixImages();

const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

describe('boot matrix: runtime.md §8.4 cases', () => {
  it(
    '§8.4: update pack with a wrong sha256 → 12-kexec: warn update pack rejected; boot completes read-write',
    async () => {
      await withVmRun('matrix-84-update-pack-sha', async (run) => {
        const m = images();
        const os = await buildTestOsDisk(run.dir, { cernvmPath: m.branch.path });
        const kernel = 'not a kernel\n';
        const initrd = 'not an initrd\n';
        const apply = [
          'version=9999.1-1.cernvm.x86_64',
          'kernel=vmlinuz',
          'initrd=initrd.img',
          `kernel_sha256=${sha256('some other kernel\n')}`,
          `initrd_sha256=${sha256(initrd)}`,
          '',
        ].join('\n');
        const scratch = await preparedScratch(run.dir, 'scratch.img', SCRATCH_DISK_BYTES, {
          'kexec/apply': apply,
          'kexec/vmlinuz': kernel,
          'kexec/initrd.img': initrd,
        });
        const boot = await bootToTestOs(run, 'matrix §8.4: wrong-sha256 update pack', {
          cdroms: [m.iso],
          bootOrder: 'd',
          drives: [
            { file: os, interface: 'virtio', mode: 'readonly' },
            { file: scratch, interface: 'virtio', mode: 'readwrite' },
          ],
        });
        expect(boot.stages['02-devices']).not.toMatch(/first boot$/);
        expect(boot.stages['10-scratch']).toBe('ok /dev/vdb1 mounted');
        expect(boot.stages['12-kexec']).toBe('warn update pack rejected: kernel sha256 mismatch');
        expect(boot.vm.console.lines.some((l) => l.includes('kexec into'))).toBe(false);
        expect(boot.report.done).toBe(true);
        expect(boot.report.rootWritable).toBe(true);
        const part = await scratchCopy(scratch, 1, run.dir, 'scratch-p1.img');
        expect(await debugfsCat(part, '/aux/ucernvm-version')).toBe(`${m.strongVersion}\n`);
      });
    },
    ONE_BOOT_TEST_MS,
  );

  it(
    '§8.4: OS poweroff through /run/initramfs/shutdown → scratch read-only, clean offline',
    async () => {
      await withVmRun('matrix-84-os-poweroff', async (run) => {
        const m = images();
        const os = await buildTestOsDisk(run.dir, {
          cernvmPath: m.branch.path,
          shutdown: 'initramfs',
        });
        const scratch = await emptyDisk(run.dir, 'scratch.img', SCRATCH_DISK_BYTES);
        const boot = await bootToTestOs(run, 'matrix §8.4: OS poweroff', {
          cdroms: [m.iso],
          bootOrder: 'd',
          drives: [
            { file: os, interface: 'virtio', mode: 'readonly' },
            { file: scratch, interface: 'virtio', mode: 'readwrite' },
          ],
        });
        expect(boot.stages['80-shutdown-prep']).toBe('ok');
        const lines = boot.vm.console.lines;
        expect(lines).toContain('[ucvm] shutdown: ok scratch read-only; poweroff');
        // Offline: no journal replay pending and nothing for e2fsck to fix (§3 80 item 3).
        const part = await scratchCopy(scratch, 1, run.dir, 'scratch-p1.img', {
          replayJournal: false,
        });
        const fsck = spawnSync('e2fsck', ['-fn', part], { encoding: 'utf8', timeout: 120_000 });
        expect(fsck.status, `${fsck.stdout}${fsck.stderr}`).toBe(0);
        const header = spawnSync('dumpe2fs', ['-h', part], { encoding: 'utf8', timeout: 60_000 });
        expect(header.stdout).toMatch(/^Filesystem state:\s+clean$/m);
        expect(header.stdout).not.toContain('needs_recovery');
      });
    },
    ONE_BOOT_TEST_MS,
  );
});
