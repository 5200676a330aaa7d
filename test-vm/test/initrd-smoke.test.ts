import { copyFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { buildInitrd } from '@ucvm/initrd';
import { moduleClosure } from '@ucvm/kernel-fetch';
import { beforeAll, describe, expect, it } from 'vitest';
import { withVmRun } from '../src/index.js';
import { type DebianKernel, debianKernel, debianKernelTree } from './fixtures/debian-kernel.js';

const STRONG_VERSION = '2026.11-1.cernvm.x86_64';

/**
 * Top-level modules of a µCernVM initrd: disks, network, entropy, FUSE, overlayfs, ext4,
 * vfat, iso9660, udf (build.md §5; names as measured in image-recipes §7.3).
 */
const INITRD_MODULES = [
  'virtio_pci',
  'virtio_blk',
  'virtio_scsi',
  'virtio_net',
  'virtio_rng',
  'nvme',
  'ahci',
  'ata_piix',
  'sd_mod',
  'sr_mod',
  'crc32c_generic',
  'ext4',
  'overlay',
  'fuse',
  'isofs',
  'vfat',
  'nls_ascii',
  'nls_cp437',
  'nls_iso8859_1',
  'udf',
  'squashfs',
  'loop',
];

let kernel: DebianKernel;

beforeAll(async () => {
  kernel = await debianKernel();
}, 400_000);

describe('the real ucvm initrd in QEMU', () => {
  it('ucvm.smoke: the init mounts, loads the modules, reports ok and powers off', async () => {
    await withVmRun('initrd-smoke', async (run) => {
      // busybox component: the host's busybox-static.
      const busyboxTree = join(run.dir, 'busybox-tree');
      await mkdir(join(busyboxTree, 'bin'), { recursive: true });
      await copyFile('/bin/busybox', join(busyboxTree, 'bin', 'busybox'));
      const initrd = join(run.dir, 'initrd.img');
      // Dependency order with softdeps (ext4 needs crc32c first, image-recipes §7.3).
      const closure = moduleClosure((await debianKernelTree(kernel)).index, INITRD_MODULES);
      const modules = closure.modules.map((m) => m.path);
      const built = performance.now();
      const result = await buildInitrd({
        components: [{ name: 'busybox', root: busyboxTree }],
        strongVersion: STRONG_VERSION,
        sourceDateEpoch: 1_700_000_000,
        kernel: { version: kernel.release, modulesDir: kernel.modulesDir },
        modules,
        out: initrd,
        // Busybox only: ucvm.smoke stops before the stages that need the other tools.
        commandCheck: 'record',
      });
      console.log(
        `[initrd] ${result.compressedSize} bytes (${result.compression}), ` +
          `${result.modules?.names.length ?? 0} modules, built in ${((performance.now() - built) / 1000).toFixed(1)} s`,
      );
      const vm = await run.start({
        kernel: kernel.vmlinuz,
        initrd,
        append: 'console=ttyS0 panic=-1 ucvm.smoke',
        deadlineMs: 150_000,
      });
      const ok = await vm.waitFor(/\[ucvm\] init: ok (\S+)/, { timeoutMs: 90_000 });
      console.log(
        `[boot-time] initrd-smoke (${kernel.release}): init ok after ${(ok.elapsedMs / 1000).toFixed(1)} s`,
      );
      expect(ok.groups?.[1]).toBe(STRONG_VERSION);
      const exit = await vm.waitForExit({ timeoutMs: 30_000 });
      expect(exit).toMatchObject({ code: 0, signal: null });
      // The stages before the smoke exit ran, and no panic was reported.
      expect(vm.console.lines.some((l) => l.includes('Welcome to micro-CernVM'))).toBe(true);
      expect(vm.console.lines.some((l) => l.includes('UCVM-PANIC'))).toBe(false);
    });
  }, 300_000);
});
