import { createHash } from 'node:crypto';
import { type ImageChunk, type TarEntry, writeUstar } from '@ucvm/images';
import { CliError } from '../errors.js';

/**
 * The update pack `ucernvm.<strong>.tar` (build.md §1): a flat tar of the initrd, the kernel
 * and `apply`, unpacked by OS tooling into `kexec/` and applied by 12-kexec (runtime.md §3,
 * §6.8). `apply` is data: `key=value` lines with both sha256 sums (a pack without them is
 * rejected by the init).
 */
export interface UpdatePackInput {
  /** The strong version the pack boots into (the initrd's /version). */
  version: string;
  initrdName: string;
  initrd: Uint8Array;
  kernelName: string;
  kernel: Uint8Array;
  sourceDateEpoch: number;
}

/** Plain names only: 12-kexec accepts `[A-Za-z0-9._+-]+` (runtime.md §3 12-kexec). */
const MEMBER_RE = /^[A-Za-z0-9._+-]+$/;

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

export function applyText(input: UpdatePackInput): string {
  for (const name of [input.initrdName, input.kernelName]) {
    if (!MEMBER_RE.test(name) || name === '.' || name === '..') {
      throw new CliError(
        'E_UPDATE_PACK_NAME',
        `update pack member name ${JSON.stringify(name)} is not a plain name [A-Za-z0-9._+-]`,
        'use a version without ":" or "~" for the kernel component',
        2,
      );
    }
  }
  return [
    `version=${input.version}`,
    `kernel=${input.kernelName}`,
    `initrd=${input.initrdName}`,
    `kernel_sha256=${sha256(input.kernel)}`,
    `initrd_sha256=${sha256(input.initrd)}`,
    '',
  ].join('\n');
}

export function updatePack(input: UpdatePackInput): ImageChunk[] {
  const entries: TarEntry[] = [
    { name: 'apply', type: 'file', data: Buffer.from(applyText(input)) },
    { name: input.initrdName, type: 'file', data: input.initrd },
    { name: input.kernelName, type: 'file', data: input.kernel },
  ];
  return writeUstar(entries, { sourceDateEpoch: input.sourceDateEpoch });
}
