import type { Branch, KernelCmdline } from '@ucvm/components';
import { branchParameters } from '@ucvm/components';
import { BootloaderError } from './errors.js';

/**
 * The typed kernel command line of one boot entry (build.md §6): every loader config is
 * rendered from this, never by editing a template.
 */

/** Image-tree paths of the kernel and the initrd (build.md §2; the name is kept even when the kernel is not xz). */
export const KERNEL_PATH = '/cernvm/vmlinuz.xz';
export const INITRD_PATH = '/cernvm/initrd.img';

/** One kernel parameter: `name=value`, or a bare flag when `value` is undefined. */
export interface KernelParam {
  name: string;
  value?: string;
}

export interface BootDescription {
  kernel: string;
  initrd: string;
  /** In command-line order. */
  params: KernelParam[];
}

/**
 * `default`: the config's fixed options. `debug`: plus `config.cmdline.debug` (`cvmdebug`, a
 * serial console). Cloud variants (build.md §1 derived formats) put the kernel console on the
 * provider's serial port, where its console log is read:
 * - `hvm` (EC2 HVM): `console=ttyS0`, the serial port EC2 captures.
 * - `gce`: `console=ttyS0,38400n8`, Compute Engine's serial port 1 at its documented 38400 8N1
 *   (its guides write `38400n8d`; the `d` is not a Linux serial-console option, so dropped).
 * - `azure`: `console=ttyS0 earlyprintk=ttyS0`, Azure's generic-image console. Azure's guides
 *   also list `rootdelay=300`; it only delays the kernel's own root mount, which an initramfs
 *   boot never does, so it is left out.
 */
export type BootVariant = 'default' | 'debug' | 'hvm' | 'gce' | 'azure';
export const BOOT_VARIANTS: readonly BootVariant[] = ['default', 'debug', 'hvm', 'gce', 'azure'];

const CLOUD_CONSOLE: Record<'hvm' | 'gce' | 'azure', string[]> = {
  hvm: ['console=ttyS0'],
  gce: ['console=ttyS0,38400n8'],
  azure: ['console=ttyS0', 'earlyprintk=ttyS0'],
};

/** Parameters that may legitimately repeat (every `console=` registers a console; the last is /dev/console). */
const REPEATABLE = new Set(['console']);

export interface BootDescriptionOptions {
  branch: Branch;
  /** The kernel command-line defaults (`UcvmConfig.cmdline`); a whole config fits. */
  config: { cmdline: KernelCmdline };
  variant?: BootVariant;
}

/**
 * The boot description of one branch and variant. Order (deterministic): the fixed kernel
 * options, with the variant's options merged in (a variant option replaces a fixed one of the
 * same name in place, except repeatable `console=`, which is appended), then the branch's
 * `cvmfs_repos`, `cvmfs_server`, `cvmfs_cdn`, `cernvm_path`, `cvmfs_repository_tag`
 * (runtime.md §2, from `branchParameters` of @ucvm/components).
 */
export function bootDescription(opts: BootDescriptionOptions): BootDescription {
  const variant = opts.variant ?? 'default';
  if (!BOOT_VARIANTS.includes(variant)) {
    throw new BootloaderError(
      'VARIANT_UNKNOWN',
      `unknown boot variant '${String(variant)}'`,
      `use one of: ${BOOT_VARIANTS.join(', ')}`,
    );
  }
  const fixed = opts.config.cmdline.options.map((o) => parseOption(o, 'cmdline.options'));
  const extra =
    variant === 'default'
      ? []
      : variant === 'debug'
        ? opts.config.cmdline.debug.map((o) => parseOption(o, 'cmdline.debug'))
        : CLOUD_CONSOLE[variant].map((o) => parseOption(o, `variant ${variant}`));
  const params = mergeParams(fixed, extra);
  for (const [name, value] of branchParameters(opts.branch)) {
    params.push(checkParam({ name, value }, `branch '${opts.branch.name}'`));
  }
  return { kernel: KERNEL_PATH, initrd: INITRD_PATH, params };
}

function mergeParams(base: KernelParam[], extra: KernelParam[]): KernelParam[] {
  const out = base.map((p) => ({ ...p }));
  for (const p of extra) {
    const at = REPEATABLE.has(p.name) ? -1 : out.findIndex((q) => q.name === p.name);
    if (at >= 0) out[at] = { ...p };
    else out.push({ ...p });
  }
  return out;
}

/** Split a config option string (`name=value` at the first `=`, or a bare flag; runtime.md §2). */
export function parseOption(option: string, where = 'option'): KernelParam {
  const eq = option.indexOf('=');
  const param: KernelParam =
    eq < 0 ? { name: option } : { name: option.slice(0, eq), value: option.slice(eq + 1) };
  return checkParam(param, where);
}

const NAME_RE = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;
// Printable ASCII without space and the two quote characters.
const VALUE_RE = /^[!#-&(-~]*$/;

/**
 * Refuse what the kernel's command-line splitting would change (runtime.md §2): whitespace
 * splits tokens and `"` groups and is removed, so a value containing either would not arrive
 * as written; `'` is refused too because the GRUB renderer single-quotes words. `;`, `,`, `|`,
 * `$` and `\` are fine: the kernel passes them through, and the GRUB renderer quotes them.
 */
export function checkParam(param: KernelParam, where = 'parameter'): KernelParam {
  if (!NAME_RE.test(param.name)) {
    throw new BootloaderError(
      'PARAM_INVALID',
      `${where}: kernel parameter name '${param.name}' is not a valid name`,
      'use letters, digits, `_`, `.` and `-` (not starting with `-` or `.`), e.g. `cvmfs_repos`',
    );
  }
  if (param.value !== undefined && !VALUE_RE.test(param.value)) {
    const bad = [...param.value].find((c) => !VALUE_RE.test(c)) ?? '';
    const shown = bad === ' ' ? 'a space' : `character ${JSON.stringify(bad)}`;
    throw new BootloaderError(
      'PARAM_INVALID',
      `${where}: value of kernel parameter '${param.name}' ('${param.value}') contains ${shown}`,
      'the kernel splits its command line at spaces and strips quotes; write lists with `,` (or `;`) and no spaces or quotes',
    );
  }
  return param;
}

/** The kernel command line of a description: `name` or `name=value` tokens joined by one space. */
export function formatCmdline(desc: BootDescription): string {
  return desc.params.map((p) => formatParam(checkParam(p))).join(' ');
}

export function formatParam(p: KernelParam): string {
  return p.value === undefined ? p.name : `${p.name}=${p.value}`;
}
