import type { BootDescription } from './cmdline.js';
import { checkParam, formatParam } from './cmdline.js';
import { asMenu, type BootMenu } from './menu.js';

/** The empty marker file the loaders and the init find the boot file system by (build.md §2). */
export const BOOT_MARKER = '/.ucernvm_boot_loader';

const GRUB_BARE = /^[A-Za-z0-9_.,:/=+-]+$/;

/** A GRUB 2 script word: bare when plain, else single-quoted (`;` `$` `|` `&` `\` `#` are special in GRUB). */
export function grubWord(word: string): string {
  return GRUB_BARE.test(word) ? word : `'${word}'`;
}

/**
 * GRUB 2 configuration for the x86_64-efi loader (build.md §6, notes §3.1), written to be
 * embedded with `grub-mkimage -c` (see `buildEfiLoader`) and put at /EFI/BOOT/grub.cfg.
 *
 * It boots the menu's default entry (entries[0]) with plain commands: an embedded config
 * runs before GRUB's normal mode, where `menuentry` has no menu to add to, so the other
 * entries and the timeout are not used here (syslinux carries the debug entry). `search --file` finds the
 * image's file system (ISO 9660 or the hdd's FAT) by the marker, so the kernel and initrd are
 * read from there and not duplicated in the ESP.
 */
export function grubEfiCfg(input: BootMenu | BootDescription): string {
  const menu = asMenu(input);
  const e = menu.entries[0];
  if (e === undefined) throw new Error('unreachable: asMenu refuses an empty menu');
  const args = e.boot.params.map((p) => grubWord(formatParam(checkParam(p))));
  // No `#` comment lines: the embedded config runs in GRUB's rescue parser, which has no
  // comments ("Unknown command `#'" under OVMF).
  const lines = [
    `search --no-floppy --set=root --file ${BOOT_MARKER}`,
    'serial --unit=0 --speed=115200',
    'terminal_input serial console',
    'terminal_output serial console',
    `echo ${grubWord(`Booting ${e.title}`)}`,
    ['linux', e.boot.kernel, ...args].join(' '),
    `initrd ${e.boot.initrd}`,
    'boot',
  ];
  return `${lines.join('\n')}\n`;
}
