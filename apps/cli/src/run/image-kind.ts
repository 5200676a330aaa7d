import { extname } from 'node:path';
import type { DriveFormat } from '@ucvm/qemu';
import { CliError } from '../errors.js';

/** How `ucvm run` attaches an image: as a CD-ROM, or as a virtio disk of a QEMU format. */
export type ImageKind = { attach: 'cdrom' } | { attach: 'disk'; format: DriveFormat };

/** Bytes `imageKind` looks at: the first 0x8006 (ISO PVD id) and the last 512 (VHD footer). */
export const HEAD_BYTES = 0x8006;
export const TAIL_BYTES = 512;

const ascii = (b: Uint8Array, at: number, n: number): string =>
  b.length >= at + n ? Buffer.from(b.subarray(at, at + n)).toString('latin1') : '';

/** The container format its signature proves, if any. */
function containerSignature(head: Uint8Array, tail: Uint8Array): DriveFormat | undefined {
  if (ascii(head, 0, 4) === 'QFI\xfb') return 'qcow2'; // qcow2 header magic, offset 0
  // VDI pre-header: signature 0xbeda107f (little-endian) at offset 0x40
  if (head.length >= 0x44 && Buffer.from(head).readUInt32LE(0x40) === 0xbeda107f) return 'vdi';
  if (ascii(head, 0, 4) === 'KDMV') return 'vmdk'; // sparse extent header magic, offset 0
  if (ascii(head, 0, 21) === '# Disk DescriptorFile') return 'vmdk';
  // VHD footer cookie: the last 512 bytes (fixed) or a copy at offset 0 (dynamic)
  if (ascii(tail, 0, 8) === 'conectix' || ascii(head, 0, 8) === 'conectix') return 'vpc';
  return undefined;
}

const BY_EXTENSION: Record<string, ImageKind> = {
  '.iso': { attach: 'cdrom' },
  '.hdd': { attach: 'disk', format: 'raw' },
  '.hvm': { attach: 'disk', format: 'raw' },
  '.raw': { attach: 'disk', format: 'raw' },
  '.img': { attach: 'disk', format: 'raw' },
  '.fat': { attach: 'disk', format: 'raw' },
  '.qcow2': { attach: 'disk', format: 'qcow2' },
  '.vdi': { attach: 'disk', format: 'vdi' },
  '.vmdk': { attach: 'disk', format: 'vmdk' },
  '.vhd': { attach: 'disk', format: 'vpc' },
};

/** Archives `ucvm build` writes that hold a disk rather than being one. */
function archiveHint(name: string, head: Uint8Array): string | undefined {
  if (head[0] === 0x1f && head[1] === 0x8b) return `tar -xzf ${name} (GCE: disk.raw)`;
  if (ascii(head, 257, 5) === 'ustar') return `tar -xf ${name} (.ova/.box: the boot .vmdk)`;
  return undefined;
}

/**
 * What `name` is, from its extension and its signature (pure). A container signature decides
 * the QEMU format; an extension that promises another format is refused rather than guessed.
 * Without a known extension, an ISO 9660 volume ("CD001" at 0x8001) is a CD-ROM, else raw.
 */
export function imageKind(name: string, head: Uint8Array, tail: Uint8Array): ImageKind {
  const archive = archiveHint(name, head);
  if (archive !== undefined) {
    throw new CliError(
      'RUN_ARCHIVE_IMAGE',
      `${name} is an archive, not a disk image`,
      `unpack it first: ${archive}`,
      2,
    );
  }
  const signature = containerSignature(head, tail);
  const ext = extname(name).toLowerCase();
  const byExt = BY_EXTENSION[ext];
  if (byExt?.attach === 'disk' && byExt.format !== 'raw' && byExt.format !== signature) {
    throw new CliError(
      'RUN_IMAGE_SIGNATURE',
      `${name} has no ${byExt.format === 'vpc' ? 'VHD' : byExt.format} signature${signature ? ` (it looks like ${signature})` : ''}`,
      'check the file, or rename it to match its format',
      2,
    );
  }
  if (signature !== undefined) return { attach: 'disk', format: signature };
  const iso = ascii(head, 0x8001, 5) === 'CD001'; // ECMA-119 §8.4: standard identifier
  if (ext === '.iso' && !iso) {
    throw new CliError(
      'RUN_IMAGE_SIGNATURE',
      `${name} has no ISO 9660 volume descriptor (CD001 at byte 32769)`,
      'check the file, or rename it if it is a disk image',
      2,
    );
  }
  return byExt ?? (iso ? { attach: 'cdrom' } : { attach: 'disk', format: 'raw' });
}

export function describeKind(kind: ImageKind): string {
  if (kind.attach === 'cdrom') return 'CD-ROM';
  return `virtio disk, ${kind.format === 'vpc' ? 'VHD' : kind.format}`;
}
