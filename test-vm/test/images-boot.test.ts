import { rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunVmOptions, type Vm, type VmRun, withVmRun } from '../src/index.js';
import { type BuiltImages, buildSmokeImages } from './fixtures/images-build.js';
import { buildGrubLegacyLoader } from './fixtures/images-grub-legacy.js';

// The images `ucvm build` writes, booted in QEMU (issue #7, testing.md §4): every boot entry
// carries `console=ttyS0 ucvm.smoke`, so the init reports `[ucvm] init: ok <strong>` and
// powers off. Each boot first waits for its loader's own banner, proving which path booted.
// Deadlines assume TCG: ~20 s alone, up to ~55 s when two VMs share the 2 cores; OVMF is slower.

let images: BuiltImages;

beforeAll(async () => {
  const t = performance.now();
  images = await buildSmokeImages();
  console.log(
    `[images] ucvm build --branch prod (gzip, stand-in) in ${((performance.now() - t) / 1000).toFixed(1)} s: ${images.dir}`,
  );
}, 300_000);

afterAll(async () => {
  // images.dir is <work>/out/ucernvm-images.<strong>; <work> holds the config and the lock.
  if (images) await rm(dirname(dirname(images.dir)), { recursive: true, force: true });
});

/** Boots, waits for each loader marker in order, then the init's ok line and QEMU's exit. */
async function bootToInitOk(
  run: VmRun,
  label: string,
  options: RunVmOptions,
  loaderMarkers: readonly (string | RegExp)[],
  initTimeoutMs: number,
): Promise<Vm> {
  const vm = await run.start({ ...options, deadlineMs: initTimeoutMs + 60_000 });
  for (const marker of loaderMarkers) await vm.waitFor(marker, { timeoutMs: initTimeoutMs });
  const ok = await vm.waitFor(/\[ucvm\] init: ok (\S+)/, { timeoutMs: initTimeoutMs });
  console.log(`[boot-time] ${label}: init ok after ${(ok.elapsedMs / 1000).toFixed(1)} s`);
  expect(ok.groups?.[1]).toBe(images.strongVersion);
  const exit = await vm.waitForExit({ timeoutMs: 30_000 });
  expect(exit).toMatchObject({ code: 0, signal: null });
  expect(vm.console.lines.some((l) => l.includes('UCVM-PANIC'))).toBe(false);
  return vm;
}

const SEABIOS_MS = 150_000;
const OVMF_MS = 240_000;

describe('the images of ucvm build boot in QEMU to [ucvm] init: ok', () => {
  it('ISO as a CD-ROM under SeaBIOS (isolinux)', async () => {
    await withVmRun('images-iso-cdrom', async (run) => {
      await bootToInitOk(
        run,
        'ISO as CD-ROM, SeaBIOS',
        { cdroms: [images.iso], bootOrder: 'd' },
        ['ISOLINUX 6.04'],
        SEABIOS_MS,
      );
    });
  }, 300_000);

  it('ISO as a raw IDE disk under SeaBIOS (isohybrid MBR → isolinux)', async () => {
    await withVmRun('images-iso-disk', async (run) => {
      await bootToInitOk(
        run,
        'ISO as disk (isohybrid), SeaBIOS',
        { drives: [{ file: images.iso, interface: 'ide', mode: 'snapshot' }], bootOrder: 'c' },
        ['ISOLINUX 6.04'],
        SEABIOS_MS,
      );
    });
  }, 300_000);

  it('HDD on virtio under SeaBIOS (mbr.bin → SYSLINUX, /isolinux/syslinux.cfg)', async () => {
    await withVmRun('images-hdd-virtio', async (run) => {
      await bootToInitOk(
        run,
        'HDD on virtio, SeaBIOS',
        { drives: [{ file: images.hdd, interface: 'virtio', mode: 'readonly' }] },
        ['SYSLINUX 6.04'],
        SEABIOS_MS,
      );
    });
  }, 300_000);

  it('ISO as a CD-ROM under OVMF (El Torito UEFI entry → GRUB BOOTX64.EFI)', async () => {
    await withVmRun('images-iso-ovmf', async (run) => {
      await bootToInitOk(
        run,
        'ISO as CD-ROM, OVMF',
        { cdroms: [images.iso], firmware: 'uefi' },
        [/BdsDxe: starting .*DVD-ROM/, 'Welcome to GRUB!', 'Booting uCernVM prod'],
        OVMF_MS,
      );
    });
  }, 420_000);

  it("FAT image through GRUB's legacy_configfile on its menu.lst (PV-GRUB stand-in)", async () => {
    await withVmRun('images-fat-grub-legacy', async (run) => {
      const loader = await buildGrubLegacyLoader(run.dir);
      await bootToInitOk(
        run,
        'FAT via GRUB legacy_configfile',
        { kernel: loader, drives: [{ file: images.fat, interface: 'ide', mode: 'snapshot' }] },
        ['Booting `uCernVM prod'],
        SEABIOS_MS,
      );
    });
  }, 300_000);
});
