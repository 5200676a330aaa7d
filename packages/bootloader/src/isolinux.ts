import type { BootDescription } from './cmdline.js';
import { formatCmdline } from './cmdline.js';
import { asMenu, type BootMenu } from './menu.js';

/**
 * isolinux.cfg / syslinux.cfg (the same text: isolinux reads /isolinux/isolinux.cfg on the
 * ISO, syslinux on the hdd reads /isolinux/syslinux.cfg; notes §2.3, §4.4).
 *
 * - `SERIAL 0 115200` MUST be the first directive, or nothing reaches the serial port (notes §2.3).
 * - `PROMPT 0`: boot the default at once; holding Shift/Alt shows the `boot:` prompt, where
 *   the other labels (e.g. `debug`) can be typed. `TIMEOUT` is in 1/10 s; 0 = wait for the human.
 * - `KERNEL` + `APPEND initrd=…`: the combination booted in the notes; `.xz` is no extension
 *   syslinux treats specially, so the file is loaded as a Linux kernel.
 */
export function isolinuxCfg(input: BootMenu | BootDescription): string {
  const menu = asMenu(input);
  const first = menu.entries[0];
  const lines = [
    'SERIAL 0 115200',
    'PROMPT 0',
    `TIMEOUT ${menu.timeoutSeconds * 10}`,
    `DEFAULT ${first?.label}`,
  ];
  for (const e of menu.entries) {
    const cmdline = formatCmdline(e.boot);
    lines.push(
      '',
      `# ${e.title}`,
      `LABEL ${e.label}`,
      `  KERNEL ${e.boot.kernel}`,
      `  APPEND initrd=${e.boot.initrd}${cmdline ? ` ${cmdline}` : ''}`,
    );
  }
  return `${lines.join('\n')}\n`;
}
