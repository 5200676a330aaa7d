import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEBUG_EXIT_DEVICE, PROBE_MARKER, probeBootSector, withVmRun } from '../src/index.js';

/** A loopback port free right now (hostfwd fails if its port is taken). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address
          ? resolve(address.port)
          : reject(new Error('no port')),
      );
    });
  });
}

/** A 1 MiB raw disk whose MBR is the probe boot sector (prints PROBE_MARKER, exits QEMU). */
async function probeDisk(path: string): Promise<string> {
  const image = new Uint8Array(1 << 20);
  image.set(probeBootSector(), 0);
  await writeFile(path, image);
  return path;
}

describe('QEMU accepts every attachment the harness offers', () => {
  it('SeaBIOS boots a disk with virtio, IDE, NVMe drives, a CD-ROM and the restricted NIC attached', async () => {
    await withVmRun('devices-seabios', async (run) => {
      const disk = (n: string) => probeDisk(join(run.dir, n));
      const vm = await run.start({
        drives: [
          { file: await disk('ide.img'), interface: 'ide', mode: 'snapshot' },
          { file: await disk('virtio.img'), interface: 'virtio', mode: 'readonly' },
          { file: await disk('nvme.img'), interface: 'nvme', mode: 'readwrite' },
        ],
        cdroms: [await disk('cd.iso')],
        bootOrder: 'c',
        network: {
          guestForwards: [{ guestAddress: '10.0.2.100', guestPort: 80, target: { cmd: 'cat' } }],
          hostForwards: [{ hostPort: await freePort(), guestPort: 22 }],
        },
        extraArgs: ['-device', DEBUG_EXIT_DEVICE],
        memoryMiB: 128,
        deadlineMs: 60_000,
      });
      const m = await vm.waitFor(PROBE_MARKER, { timeoutMs: 30_000 });
      console.log(
        `[boot-time] devices-seabios: boot sector ran after ${(m.elapsedMs / 1000).toFixed(1)} s`,
      );
      // isa-debug-exit: status (0 << 1) | 1.
      expect((await vm.waitForExit({ timeoutMs: 10_000 })).code).toBe(1);
    });
  }, 90_000);

  it('OVMF (UEFI) starts and sees the NVMe disk and the CD-ROM', async () => {
    await withVmRun('devices-ovmf', async (run) => {
      const vm = await run.start({
        firmware: 'uefi',
        drives: [
          { file: await probeDisk(join(run.dir, 'nvme.img')), interface: 'nvme', mode: 'snapshot' },
        ],
        cdroms: [await probeDisk(join(run.dir, 'cd.iso'))],
        deadlineMs: 120_000,
      });
      // OVMF logs each boot option it tries; neither medium holds an EFI loader.
      const cd = await vm.waitFor(/BdsDxe: failed to load .*DVD-ROM/, { timeoutMs: 90_000 });
      console.log(
        `[boot-time] devices-ovmf: firmware boot manager after ${(cd.elapsedMs / 1000).toFixed(1)} s`,
      );
      await vm.waitFor(/BdsDxe: failed to load .*NVMe/, { timeoutMs: 20_000 });
    });
  }, 180_000);
});
