import { rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DriveOptions, type VmRun, withVmRun } from '../src/index.js';
import { type BuiltImages, buildSmokeImages } from './fixtures/images-build.js';

// The derived formats qcow2 and vhd of `ucvm build` (build.md §1) booted in QEMU through the
// block driver of their format (qcow2, vpc), not as raw bytes: SYSLINUX starts from the
// image's MBR and the init reports `[ucvm] init: ok <strong>` (smoke kernel option, see
// fixtures/images-build.ts) and powers off. The vhd is the Azure variant: its default entry
// also has `console=ttyS0 earlyprintk=ttyS0`, so the serial console carries the same lines.
// Deadlines assume TCG with two VMs sharing 2 cores (20–90 s per boot).

let images: BuiltImages;

beforeAll(async () => {
  const t = performance.now();
  images = await buildSmokeImages({ extraFormats: ['qcow2', 'vhd'] });
  console.log(
    `[images] ucvm build --branch prod +qcow2 +vhd in ${((performance.now() - t) / 1000).toFixed(1)} s: ${images.dir}`,
  );
}, 400_000);

afterAll(async () => {
  if (images) await rm(dirname(dirname(images.dir)), { recursive: true, force: true });
});

const INIT_MS = 150_000;

async function bootToInitOk(run: VmRun, label: string, drive: DriveOptions): Promise<void> {
  const vm = await run.start({ drives: [drive], bootOrder: 'c', deadlineMs: INIT_MS + 60_000 });
  await vm.waitFor('SYSLINUX 6.04', { timeoutMs: INIT_MS });
  const ok = await vm.waitFor(/\[ucvm\] init: ok (\S+)/, { timeoutMs: INIT_MS });
  console.log(`[boot-time] ${label}: init ok after ${(ok.elapsedMs / 1000).toFixed(1)} s`);
  expect(ok.groups?.[1]).toBe(images.strongVersion);
  const exit = await vm.waitForExit({ timeoutMs: 30_000 });
  expect(exit).toMatchObject({ code: 0, signal: null });
  expect(vm.console.lines.some((l) => l.includes('UCVM-PANIC'))).toBe(false);
}

describe('derived formats of ucvm build boot in QEMU to [ucvm] init: ok', () => {
  it('qcow2 on virtio (format=qcow2)', async () => {
    const file = images.byFormat['qcow2'] as string;
    await withVmRun('derived-qcow2', (run) =>
      bootToInitOk(run, 'qcow2 on virtio, SeaBIOS', {
        file,
        format: 'qcow2',
        interface: 'virtio',
        mode: 'snapshot',
      }),
    );
  }, 300_000);

  it('vhd (fixed, Azure variant) on IDE (format=vpc, by its current size)', async () => {
    const file = images.byFormat['vhd'] as string;
    await withVmRun('derived-vhd', (run) =>
      bootToInitOk(run, 'vhd on IDE, SeaBIOS', {
        file,
        format: 'vpc',
        interface: 'ide',
        mode: 'snapshot',
      }),
    );
  }, 300_000);
});
