import { type BootVariant, bootMenu, grubEfiCfg, isolinuxCfg, menuLst } from '@ucvm/bootloader';
import type { Branch, UcvmConfig } from '@ucvm/components';
import type { TreeEntry } from '@ucvm/images';

/** The `/version` line of an image (build.md §2); a branch without a tag follows the newest. */
export function versionLine(branch: Branch, strong: string): string {
  return `${branch.repository} at ${branch.tag ?? 'HEAD'}, uCernVM ${strong}\n`;
}

/**
 * The boot configuration texts of one branch, all rendered from one boot menu (build.md §6);
 * `variant` is the default entry's console variant (cloud formats: hvm, gce, azure).
 */
export function bootConfigs(
  branch: Branch,
  config: UcvmConfig,
  variant: Exclude<BootVariant, 'debug'> = 'default',
) {
  const menu = bootMenu({ branch, config, variant });
  return { isolinux: isolinuxCfg(menu), menuLst: menuLst(menu), grubEfi: grubEfiCfg(menu) };
}

export interface ImageTreeInput {
  branch: Branch;
  config: UcvmConfig;
  strong: string;
  kernel: Uint8Array;
  initrd: Uint8Array;
  isolinuxBin: Uint8Array;
  ldlinuxC32: Uint8Array;
  /** The GRUB x86_64-efi loader with this branch's (and variant's) config embedded. */
  efiLoader: Uint8Array;
  /** Boot variant of the default entry (default `default`). */
  variant?: Exclude<BootVariant, 'debug'>;
}

const text = (s: string) => new Uint8Array(Buffer.from(s, 'utf8'));

/** The image tree of build.md §2 for one branch (every format holds the same tree). */
export function imageTree(input: ImageTreeInput): TreeEntry[] {
  const cfg = bootConfigs(input.branch, input.config, input.variant);
  return [
    { path: '.ucernvm_boot_loader', type: 'file', data: new Uint8Array(0) },
    { path: 'version', type: 'file', data: text(versionLine(input.branch, input.strong)) },
    { path: 'cernvm/vmlinuz.xz', type: 'file', data: input.kernel },
    { path: 'cernvm/initrd.img', type: 'file', data: input.initrd },
    { path: 'isolinux/isolinux.bin', type: 'file', data: input.isolinuxBin },
    { path: 'isolinux/ldlinux.c32', type: 'file', data: input.ldlinuxC32 },
    { path: 'isolinux/isolinux.cfg', type: 'file', data: text(cfg.isolinux) },
    // syslinux on the hdd reads syslinux.cfg, not isolinux.cfg (build.md §6).
    { path: 'isolinux/syslinux.cfg', type: 'file', data: text(cfg.isolinux) },
    { path: 'boot/grub/menu.lst', type: 'file', data: text(cfg.menuLst) },
    { path: 'EFI/BOOT/BOOTX64.EFI', type: 'file', data: input.efiLoader },
    { path: 'EFI/BOOT/grub.cfg', type: 'file', data: text(cfg.grubEfi) },
  ];
}

/** The ESP of the ISO's UEFI El Torito entry: EFI/BOOT with the loader and its config. */
export function espTree(tree: readonly TreeEntry[]): TreeEntry[] {
  return tree.filter((e) => e.path.startsWith('EFI/'));
}
