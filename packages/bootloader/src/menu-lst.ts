import type { BootDescription } from './cmdline.js';
import { formatCmdline } from './cmdline.js';
import { asMenu, type BootMenu } from './menu.js';

/**
 * PV-GRUB (GRUB legacy) /boot/grub/menu.lst for the FAT image (build.md §1, notes §2.3, §5).
 * `root (hd0)`: the FAT image has no partition table. No `fallback` line: the original's
 * pointed at an entry that did not exist (build.md §6).
 */
export function menuLst(input: BootMenu | BootDescription): string {
  const menu = asMenu(input);
  const lines = ['default 0', `timeout ${menu.timeoutSeconds}`];
  for (const e of menu.entries) {
    const cmdline = formatCmdline(e.boot);
    lines.push(
      '',
      `title ${e.title}`,
      '\troot (hd0)',
      `\tkernel ${e.boot.kernel}${cmdline ? ` ${cmdline}` : ''}`,
      `\tinitrd ${e.boot.initrd}`,
    );
  }
  return `${lines.join('\n')}\n`;
}
