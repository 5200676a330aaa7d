import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { CliError } from '../errors.js';
import { type BuildInputs, byRole, treeOf } from './inputs.js';

/**
 * Loader binaries from the pinned bootloader components (build.md §6: Debian's isolinux,
 * syslinux-common and grub-efi-amd64-bin by default), never from the host.
 */
export interface LoaderFiles {
  isolinuxBin: Uint8Array;
  ldlinuxC32: Uint8Array;
  /** isohybrid MBR code. */
  isohdpfx: Uint8Array;
  /** syslinux MBR code for the hdd. */
  mbrBin: Uint8Array;
  /** GRUB x86_64-efi module directory, for grub-mkimage. */
  grubEfiDir: string;
}

const PATHS = {
  isolinuxBin: 'usr/lib/ISOLINUX/isolinux.bin',
  ldlinuxC32: 'usr/lib/syslinux/modules/bios/ldlinux.c32',
  isohdpfx: 'usr/lib/ISOLINUX/isohdpfx.bin',
  mbrBin: 'usr/lib/syslinux/mbr/mbr.bin',
  grubEfiDir: 'usr/lib/grub/x86_64-efi',
} as const;

async function find(inputs: BuildInputs, rel: string, dir: boolean): Promise<string> {
  const roots = byRole(inputs, 'bootloader').map((c) => treeOf(inputs, c.name));
  for (const root of roots) {
    const st = await stat(join(root, rel)).catch(() => undefined);
    if (st && (dir ? st.isDirectory() : st.isFile())) return join(root, rel);
  }
  const names = byRole(inputs, 'bootloader').map((c) => c.name);
  throw new CliError(
    'E_LOADER_MISSING',
    `no bootloader component holds ${rel} (bootloader components: ${names.join(', ') || 'none'})`,
    'add Debian isolinux, syslinux-common and grub-efi-amd64-bin (role "bootloader") to the components',
    2,
  );
}

export async function loadLoaderFiles(inputs: BuildInputs): Promise<LoaderFiles> {
  return {
    isolinuxBin: await readFile(await find(inputs, PATHS.isolinuxBin, false)),
    ldlinuxC32: await readFile(await find(inputs, PATHS.ldlinuxC32, false)),
    isohdpfx: await readFile(await find(inputs, PATHS.isohdpfx, false)),
    mbrBin: await readFile(await find(inputs, PATHS.mbrBin, false)),
    grubEfiDir: await find(inputs, PATHS.grubEfiDir, true),
  };
}
