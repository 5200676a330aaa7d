import type { Branch, KernelCmdline } from '@ucvm/components';
import { type BootDescription, type BootVariant, bootDescription, checkParam } from './cmdline.js';
import { BootloaderError } from './errors.js';

/** One boot entry of a loader menu. */
export interface BootEntry {
  /** Short name typed at the syslinux `boot:` prompt (`[a-z0-9_-]`). */
  label: string;
  /** Human title (syslinux MENU LABEL, menu.lst `title`, GRUB comment). */
  title: string;
  boot: BootDescription;
}

/** What the loader renderers take: entries[0] is the default (build.md §6). */
export interface BootMenu {
  entries: BootEntry[];
  /**
   * Seconds a shown menu/prompt waits before booting the default; 0 = boot at once
   * (menu.lst, GRUB) / no countdown once a human held Shift at the syslinux prompt.
   */
  timeoutSeconds: number;
}

export interface BootMenuOptions {
  branch: Branch;
  config: { cmdline: KernelCmdline };
  /** The default entry's variant (`default`, or a cloud console variant); the second entry is always `debug`. */
  variant?: Exclude<BootVariant, 'debug'>;
  timeoutSeconds?: number;
}

/** A branch's menu: its `variant` entry (label `ucernvm`) and the debug entry (label `debug`). */
export function bootMenu(opts: BootMenuOptions): BootMenu {
  const variant = opts.variant ?? 'default';
  const { branch, config } = opts;
  return {
    entries: [
      {
        label: 'ucernvm',
        title: `uCernVM ${branch.name} (${branch.repository})`,
        boot: bootDescription({ branch, config, variant }),
      },
      {
        label: 'debug',
        title: `uCernVM ${branch.name} (${branch.repository}), debug`,
        boot: bootDescription({ branch, config, variant: 'debug' }),
      },
    ],
    timeoutSeconds: opts.timeoutSeconds ?? 0,
  };
}

const LABEL_RE = /^[a-z0-9_-]+$/;
// One line of plain text: nothing any of the three config languages would interpret.
const TITLE_RE = /^[A-Za-z0-9 ._,:()+-]+$/;

/** A bare description is a menu of one entry; everything is checked before rendering. */
export function asMenu(input: BootMenu | BootDescription): BootMenu {
  const menu: BootMenu =
    'entries' in input
      ? input
      : { entries: [{ label: 'ucernvm', title: 'uCernVM', boot: input }], timeoutSeconds: 0 };
  if (menu.entries.length === 0) {
    throw new BootloaderError(
      'MENU_INVALID',
      'boot menu has no entries',
      'give at least one entry',
    );
  }
  if (
    !Number.isInteger(menu.timeoutSeconds) ||
    menu.timeoutSeconds < 0 ||
    menu.timeoutSeconds > 3600
  ) {
    throw new BootloaderError(
      'MENU_INVALID',
      `boot menu timeout ${menu.timeoutSeconds} is not a whole number of seconds in 0..3600`,
      'use e.g. 0 (boot at once) or 5',
    );
  }
  const seen = new Set<string>();
  for (const e of menu.entries) {
    if (!LABEL_RE.test(e.label) || seen.has(e.label)) {
      throw new BootloaderError(
        'MENU_INVALID',
        `boot entry label '${e.label}' is ${seen.has(e.label) ? 'used twice' : 'not [a-z0-9_-]+'}`,
        'give every entry a distinct label of lower-case letters, digits, `_` and `-`',
      );
    }
    seen.add(e.label);
    if (!TITLE_RE.test(e.title)) {
      throw new BootloaderError(
        'MENU_INVALID',
        `boot entry title '${e.title}' has characters the loaders cannot show as written`,
        'use letters, digits, spaces and `._,:()+-`',
      );
    }
    for (const path of [e.boot.kernel, e.boot.initrd]) {
      if (!/^\/[A-Za-z0-9_./-]+$/.test(path)) {
        throw new BootloaderError(
          'MENU_INVALID',
          `boot entry '${e.label}': path '${path}' is not an absolute plain path`,
          'use an image-tree path like /cernvm/vmlinuz.xz',
        );
      }
    }
    for (const p of e.boot.params) checkParam(p, `boot entry '${e.label}'`);
  }
  return menu;
}
