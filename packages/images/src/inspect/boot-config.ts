import type { BootConfigFile, BootEntry } from './types.js';

// Reading back the boot configurations the bootloader package writes (build.md §6), to show
// the kernel command line per entry: SYSLINUX/ISOLINUX config (syslinux doc/syslinux.txt),
// PV-GRUB menu.lst (GRUB legacy), GRUB 2 grub.cfg. Only the directives that carry a kernel,
// an initrd, a command line, the default and the console are read; the rest is shown as text.

/** Files looked for, case-insensitively (FAT names carry no case), in this order. */
export const BOOT_CONFIG_PATHS: readonly { path: string; loader: BootConfigFile['loader'] }[] = [
  { path: 'isolinux/isolinux.cfg', loader: 'syslinux' },
  { path: 'isolinux/syslinux.cfg', loader: 'syslinux' },
  { path: 'syslinux/syslinux.cfg', loader: 'syslinux' },
  { path: 'syslinux.cfg', loader: 'syslinux' },
  { path: 'boot/grub/menu.lst', loader: 'pv-grub' },
  { path: 'boot/grub/grub.cfg', loader: 'grub' },
  { path: 'EFI/BOOT/grub.cfg', loader: 'grub' },
];

const words = (cmdline: string) => cmdline.match(/(?:[^\s"]+|"[^"]*")+/g) ?? [];

/** Kernel options: `key=value` → [key, value]; a bare word → [word, ""]; quotes kept. */
export function parseCmdline(cmdline: string): [string, string][] {
  return words(cmdline).map((w) => {
    const eq = w.indexOf('=');
    return eq < 0 ? [w, ''] : [w.slice(0, eq), w.slice(eq + 1)];
  });
}

function entry(label: string, kernel: string, args: string, initrd?: string): BootEntry {
  // syslinux passes the initrd as an APPEND option; show it apart from the command line.
  const all = words(args);
  const at = all.findIndex((w) => w.startsWith('initrd='));
  const cmdline = all.filter((_, i) => i !== at).join(' ');
  const e: BootEntry = { label, kernel, cmdline, options: parseCmdline(cmdline) };
  const rd = initrd ?? (at >= 0 ? all[at]!.slice('initrd='.length) : undefined);
  if (rd !== undefined) e.initrd = rd;
  return e;
}

const lines = (text: string) =>
  text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));

function syslinux(text: string): Pick<BootConfigFile, 'entries' | 'default' | 'serial'> {
  const out: Pick<BootConfigFile, 'entries' | 'default' | 'serial'> = { entries: [] };
  let cur: { label: string; kernel: string; append: string; initrd?: string } | undefined;
  const flush = () => {
    if (cur?.kernel) out.entries.push(entry(cur.label, cur.kernel, cur.append, cur.initrd));
    cur = undefined;
  };
  for (const l of lines(text)) {
    const m = /^(\S+)\s*(.*)$/.exec(l);
    if (!m) continue;
    const key = m[1]!.toUpperCase();
    const val = m[2]!;
    if (key === 'LABEL') {
      flush();
      cur = { label: val, kernel: '', append: '' };
    } else if (key === 'DEFAULT') out.default = val;
    else if (key === 'SERIAL') out.serial = `SERIAL ${val}`;
    else if (cur && (key === 'KERNEL' || key === 'LINUX')) cur.kernel = val;
    else if (cur && key === 'APPEND') cur.append = val;
    else if (cur && key === 'INITRD') cur.initrd = val;
  }
  flush();
  return out;
}

function menuLst(text: string): Pick<BootConfigFile, 'entries' | 'default' | 'serial'> {
  const out: Pick<BootConfigFile, 'entries' | 'default' | 'serial'> = { entries: [] };
  let cur: { label: string; kernel: string; args: string; initrd?: string } | undefined;
  const flush = () => {
    if (cur?.kernel) out.entries.push(entry(cur.label, cur.kernel, cur.args, cur.initrd));
    cur = undefined;
  };
  for (const l of lines(text)) {
    const m = /^(\S+)\s*(.*)$/.exec(l);
    if (!m) continue;
    const key = m[1]!.toLowerCase();
    const val = m[2]!;
    if (key === 'title') {
      flush();
      cur = { label: val, kernel: '', args: '' };
    } else if (key === 'default') out.default = val;
    else if (key === 'serial') out.serial = `serial ${val}`;
    else if (cur && key === 'kernel') {
      const [k = '', ...args] = val.split(/\s+/);
      cur.kernel = k;
      cur.args = args.join(' ');
    } else if (cur && key === 'initrd') cur.initrd = val;
  }
  flush();
  return out;
}

function grubCfg(text: string): Pick<BootConfigFile, 'entries' | 'default' | 'serial'> {
  const out: Pick<BootConfigFile, 'entries' | 'default' | 'serial'> = { entries: [] };
  type Pending = { label: string; kernel: string; args: string; initrd?: string };
  // In source order: a bare top-level `linux` (as ucvm's UEFI config has) counts as an entry.
  const pending: Pending[] = [];
  let cur: Pending | undefined;
  let top: Pending | undefined;
  for (const l of lines(text)) {
    const menu = /^menuentry\s+(?:'([^']*)'|"([^"]*)"|(\S+)).*\{$/.exec(l);
    if (menu) {
      cur = { label: menu[1] ?? menu[2] ?? menu[3] ?? '', kernel: '', args: '' };
      pending.push(cur);
      continue;
    }
    if (l === '}') {
      cur = undefined;
      continue;
    }
    const m = /^(\S+)\s*(.*)$/.exec(l);
    if (!m) continue;
    const key = m[1]!;
    const val = m[2]!;
    if (key === 'set' && val.startsWith('default=')) out.default = val.slice(8);
    else if (key === 'serial') out.serial = `serial ${val}`;
    else if (key === 'linux' || key === 'linuxefi') {
      let target = cur ?? top;
      if (!target) {
        top = { label: '(default)', kernel: '', args: '' };
        pending.push(top);
        target = top;
      }
      const [k = '', ...args] = val.split(/\s+/);
      target.kernel = k;
      target.args = args.join(' ');
    } else if (key === 'initrd' || key === 'initrdefi') {
      const target = cur ?? top;
      if (target) target.initrd = val;
    }
  }
  for (const p of pending)
    if (p.kernel) out.entries.push(entry(p.label, p.kernel, p.args, p.initrd));
  return out;
}

/** The entries, default and console of a boot configuration file. */
export function parseBootConfig(
  path: string,
  where: string,
  loader: BootConfigFile['loader'],
  text: string,
): BootConfigFile {
  const parsed =
    loader === 'syslinux' ? syslinux(text) : loader === 'pv-grub' ? menuLst(text) : grubCfg(text);
  return { path, where, loader, text, ...parsed };
}
