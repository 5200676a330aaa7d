import { gzipSync } from 'node:zlib';
import { ImagesError } from '../errors.js';
import { concatChunks } from '../output.js';
import { writeUstar } from '../tar/ustar.js';

// Compute Engine image archive (build.md §1 "tar.gz"): a gzip-compressed tar whose only member
// is `disk.raw`, the name GCE's image import requires. Deterministic: the ustar writer pins
// owner, mode and mtime (SOURCE_DATE_EPOCH); node's zlib writes a gzip header with mtime 0, no
// file name and the fixed OS byte of its build, so the bytes depend only on the inputs and the
// zlib version (recorded in the manifest). GNU sparse members are not needed: gzip squeezes
// the empty space just as well, and GCE reads plain ustar.

export const GCE_DISK_NAME = 'disk.raw';

export interface GceOptions {
  sourceDateEpoch: number;
  /** zlib level, default 9 (the archive is uploaded; smaller is better). */
  level?: number;
}

export function gceTarGz(raw: Uint8Array, opts: GceOptions): Uint8Array {
  if (raw.length === 0 || raw.length % 512 !== 0) {
    throw new ImagesError(
      'GCE_BAD_DISK',
      `the raw disk for the GCE archive is ${raw.length} bytes, not a positive multiple of 512`,
      'pass the hdd image',
    );
  }
  const tar = concatChunks(
    writeUstar([{ name: GCE_DISK_NAME, type: 'file', data: raw, mode: 0o644 }], {
      sourceDateEpoch: opts.sourceDateEpoch,
    }),
  );
  return gzipSync(tar, { level: opts.level ?? 9 });
}
