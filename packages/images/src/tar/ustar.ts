import { ImagesError } from '../errors.js';
import type { ImageChunk } from '../output.js';
import { checkEpoch } from '../util/time.js';

// POSIX.1-1988 ustar archive (POSIX.1-2017 `pax` "ustar Interchange Format"), the format of the
// update pack `ucernvm.<strong>.tar` (build.md §1). Deterministic by construction: entries in
// the caller's order (the caller sorts), uid/gid 0 and owner names "root", every mtime the
// SOURCE_DATE_EPOCH, no host metadata. Long names and sizes above 8 GiB are refused rather
// than written as GNU/pax extensions: the update pack is flat and small.

export interface TarEntry {
  /** Member name, relative ("apply", "boot/x"); directories may end with "/". */
  name: string;
  type: 'file' | 'dir';
  data?: Uint8Array;
  /** Permission bits; default 0o644 for files, 0o755 for directories. */
  mode?: number;
}

export interface TarOptions {
  sourceDateEpoch: number;
}

const BLOCK = 512;
/** GNU tar's default record (blocking factor 20): the archive is padded to a whole record. */
const RECORD = 20 * BLOCK;

function octal(value: number, width: number): string {
  // width-1 octal digits, NUL-terminated (ustar numeric fields).
  return `${value.toString(8).padStart(width - 1, '0')}\0`;
}

function splitName(name: string): { name: string; prefix: string } {
  if (Buffer.byteLength(name) <= 100) return { name, prefix: '' };
  // ustar: prefix (≤155) + "/" + name (≤100), split at a "/".
  for (let i = name.lastIndexOf('/'); i > 0; i = name.lastIndexOf('/', i - 1)) {
    const prefix = name.slice(0, i);
    const rest = name.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(rest) <= 100 && rest !== '') {
      return { name: rest, prefix };
    }
  }
  throw new ImagesError(
    'TAR_NAME_TOO_LONG',
    `tar member name ${JSON.stringify(name)} does not fit a ustar header (100 + 155 bytes)`,
    'use a shorter name',
  );
}

/** One 512-byte ustar header block (offsets as in POSIX.1-2017 pax, "ustar Header Block"). */
export function ustarHeader(entry: TarEntry, size: number, mtime: number): Uint8Array {
  const h = Buffer.alloc(BLOCK);
  const raw = entry.type === 'dir' && !entry.name.endsWith('/') ? `${entry.name}/` : entry.name;
  if (raw === '' || raw.startsWith('/') || raw.split('/').some((p) => p === '..')) {
    throw new ImagesError(
      'TAR_BAD_NAME',
      `tar member name ${JSON.stringify(entry.name)} is empty, absolute or has ".."`,
      'use plain relative names',
    );
  }
  const mode = entry.mode ?? (entry.type === 'dir' ? 0o755 : 0o644);
  if (size > 0o77777777777) {
    throw new ImagesError(
      'TAR_TOO_LARGE',
      `tar member ${JSON.stringify(entry.name)} is ${size} bytes, more than ustar's 8 GiB`,
    );
  }
  const { name, prefix } = splitName(raw);
  h.write(name, 0, 100, 'utf8'); // 0   name[100]
  h.write(octal(mode & 0o7777, 8), 100, 'ascii'); // 100 mode[8]
  h.write(octal(0, 8), 108, 'ascii'); // 108 uid[8]
  h.write(octal(0, 8), 116, 'ascii'); // 116 gid[8]
  h.write(octal(size, 12), 124, 'ascii'); // 124 size[12]
  h.write(octal(mtime, 12), 136, 'ascii'); // 136 mtime[12]
  h.fill(0x20, 148, 156); // 148 chksum[8], spaces while summing
  h.write(entry.type === 'dir' ? '5' : '0', 156, 'ascii'); // 156 typeflag
  // 157 linkname[100] stays empty
  h.write('ustar\0', 257, 'ascii'); // 257 magic[6]
  h.write('00', 263, 'ascii'); // 263 version[2]
  h.write('root', 265, 'ascii'); // 265 uname[32]
  h.write('root', 297, 'ascii'); // 297 gname[32]
  // 329 devmajor[8], 337 devminor[8]: zero-filled is accepted for regular files
  h.write(octal(0, 8), 329, 'ascii');
  h.write(octal(0, 8), 337, 'ascii');
  h.write(prefix, 345, 155, 'utf8'); // 345 prefix[155]
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  return h;
}

/** The archive as chunks: header, data, zero padding per member; two zero blocks; record pad. */
export function writeUstar(entries: readonly TarEntry[], opts: TarOptions): ImageChunk[] {
  const mtime = checkEpoch(opts.sourceDateEpoch);
  const seen = new Set<string>();
  const chunks: ImageChunk[] = [];
  let length = 0;
  for (const e of entries) {
    const key = e.name.replace(/\/+$/, '');
    if (seen.has(key)) {
      throw new ImagesError(
        'TAR_DUPLICATE',
        `tar member ${JSON.stringify(key)} appears twice`,
        'list every member once',
      );
    }
    seen.add(key);
    const data = e.type === 'file' ? (e.data ?? new Uint8Array(0)) : new Uint8Array(0);
    chunks.push(ustarHeader(e, data.length, mtime));
    length += BLOCK;
    if (data.length > 0) {
      chunks.push(data);
      const pad = (BLOCK - (data.length % BLOCK)) % BLOCK;
      if (pad) chunks.push(pad);
      length += data.length + pad;
    }
  }
  length += 2 * BLOCK; // end-of-archive: two zero blocks
  const total = Math.ceil(length / RECORD) * RECORD;
  chunks.push(2 * BLOCK + (total - length));
  return chunks;
}
