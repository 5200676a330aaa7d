import { describe, expect, it } from 'vitest';
import { parseBootConfig, parseCmdline } from './boot-config.js';

// Samples in the shape the bootloader package writes (build.md §6).
const SYSLINUX = `SERIAL 0 115200
PROMPT 0
TIMEOUT 0
DEFAULT ucernvm

# uCernVM prod
LABEL ucernvm
  KERNEL /cernvm/vmlinuz.xz
  APPEND initrd=/cernvm/initrd.img root=first quiet cvmfs_repos=cernvm-prod.cern.ch cernvm_path=cvm4

LABEL debug
  KERNEL /cernvm/vmlinuz.xz
  APPEND initrd=/cernvm/initrd.img root=first cvmdebug console=tty0 console=ttyS0,115200
`;
const MENU_LST = `default 0
timeout 0

title uCernVM prod (cernvm-prod.cern.ch)
\troot (hd0)
\tkernel /cernvm/vmlinuz.xz root=first loglevel=1 cvmfs_repos=cernvm-prod.cern.ch
\tinitrd /cernvm/initrd.img
`;
const GRUB = `search --no-floppy --set=root --file /.ucernvm_boot_loader
serial --unit=0 --speed=115200
terminal_output serial console
linux /cernvm/vmlinuz.xz root=first console=ttyS0,38400n8
initrd /cernvm/initrd.img
boot
menuentry 'second one' {
  linux /k2 a=b
  initrd /i2
}
`;

describe('parseBootConfig', () => {
  it('reads syslinux LABEL/KERNEL/APPEND, moving initrd= out of the command line', () => {
    const c = parseBootConfig('isolinux/syslinux.cfg', 'partition 1', 'syslinux', SYSLINUX);
    expect(c.default).toBe('ucernvm');
    expect(c.serial).toBe('SERIAL 0 115200');
    expect(c.entries).toEqual([
      {
        label: 'ucernvm',
        kernel: '/cernvm/vmlinuz.xz',
        initrd: '/cernvm/initrd.img',
        cmdline: 'root=first quiet cvmfs_repos=cernvm-prod.cern.ch cernvm_path=cvm4',
        options: [
          ['root', 'first'],
          ['quiet', ''],
          ['cvmfs_repos', 'cernvm-prod.cern.ch'],
          ['cernvm_path', 'cvm4'],
        ],
      },
      expect.objectContaining({
        label: 'debug',
        cmdline: 'root=first cvmdebug console=tty0 console=ttyS0,115200',
      }),
    ]);
  });

  it('reads PV-GRUB menu.lst titles', () => {
    const c = parseBootConfig('boot/grub/menu.lst', 'whole file', 'pv-grub', MENU_LST);
    expect(c.default).toBe('0');
    expect(c.entries).toEqual([
      expect.objectContaining({
        label: 'uCernVM prod (cernvm-prod.cern.ch)',
        kernel: '/cernvm/vmlinuz.xz',
        initrd: '/cernvm/initrd.img',
        cmdline: 'root=first loglevel=1 cvmfs_repos=cernvm-prod.cern.ch',
      }),
    ]);
  });

  it('reads a GRUB 2 config: a bare linux line and menuentries', () => {
    const c = parseBootConfig('EFI/BOOT/grub.cfg', 'x', 'grub', GRUB);
    expect(c.serial).toBe('serial --unit=0 --speed=115200');
    expect(c.entries.map((e) => [e.label, e.kernel, e.initrd, e.cmdline])).toEqual([
      ['(default)', '/cernvm/vmlinuz.xz', '/cernvm/initrd.img', 'root=first console=ttyS0,38400n8'],
      ['second one', '/k2', '/i2', 'a=b'],
    ]);
  });

  it('keeps quoted values whole', () => {
    expect(parseCmdline('a="b c" d')).toEqual([
      ['a', '"b c"'],
      ['d', ''],
    ]);
  });
});
