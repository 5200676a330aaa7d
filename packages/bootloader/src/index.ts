export {
  BOOT_VARIANTS,
  type BootDescription,
  type BootDescriptionOptions,
  type BootVariant,
  bootDescription,
  checkParam,
  formatCmdline,
  formatParam,
  INITRD_PATH,
  KERNEL_PATH,
  type KernelParam,
  parseOption,
} from './cmdline.js';
export {
  type BuildEfiLoaderOptions,
  buildEfiLoader,
  type EfiLoader,
  GRUB_EFI_MODULES,
  GRUB_EFI_MODULES_SUBDIR,
} from './efi-loader.js';
export { BootloaderError, type BootloaderErrorCode, isBootloaderError } from './errors.js';
export { BOOT_MARKER, grubEfiCfg, grubWord } from './grub-efi.js';
export { isolinuxCfg } from './isolinux.js';
export { asMenu, type BootEntry, type BootMenu, type BootMenuOptions, bootMenu } from './menu.js';
export { menuLst } from './menu-lst.js';
