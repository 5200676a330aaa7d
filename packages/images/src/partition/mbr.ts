import { ImagesError } from '../errors.js';

// Master Boot Record: one 512-byte sector at LBA 0.
//   0x000 440  boot code (e.g. syslinux mbr.bin, isohdpfx.bin)
//   0x1B8   4  disk signature (LE)
//   0x1BC   2  reserved, 0
//   0x1BE  64  four 16-byte partition entries
//   0x1FE   2  boot signature 0x55 0xAA
// Partition entry:
//   +0 status (0x80 active)  +1 CHS first (3)  +4 type  +5 CHS last (3)
//   +8 LBA first (4, LE)     +12 sector count (4, LE)

export const SECTOR = 512;

export interface MbrPartition {
  /** First sector (LBA). */
  start: number;
  /** Length in sectors. */
  sectors: number;
  /** Partition type byte, e.g. 0x0e FAT16 LBA, 0x0c FAT32 LBA, 0xee GPT protective. */
  type: number;
  bootable?: boolean;
}

export interface Geometry {
  heads: number;
  sectorsPerTrack: number;
}

/** The geometry sfdisk and most tools assume for a disk image. */
export const DEFAULT_GEOMETRY: Geometry = { heads: 255, sectorsPerTrack: 63 };

export interface MbrOptions {
  /** Boot code; only its first 440 bytes are used (mbr.bin is 440 bytes, isohdpfx.bin 432). */
  bootCode?: Uint8Array;
  diskSignature: number;
  partitions: MbrPartition[];
  geometry?: Geometry;
}

/** Encodes an LBA as the 3-byte CHS field; beyond cylinder 1023 it saturates (1023/254/63). */
export function chs(lba: number, g: Geometry = DEFAULT_GEOMETRY): [number, number, number] {
  const perCyl = g.heads * g.sectorsPerTrack;
  let c = Math.floor(lba / perCyl);
  let h = Math.floor((lba % perCyl) / g.sectorsPerTrack);
  let s = (lba % g.sectorsPerTrack) + 1;
  if (c > 1023) {
    c = 1023;
    h = g.heads - 1;
    s = g.sectorsPerTrack;
  }
  return [h, s | ((c >> 2) & 0xc0), c & 0xff];
}

export function writeMbr(opts: MbrOptions): Uint8Array {
  const mbr = Buffer.alloc(SECTOR);
  const g = opts.geometry ?? DEFAULT_GEOMETRY;
  if (opts.bootCode) {
    Buffer.from(opts.bootCode.subarray(0, 440)).copy(mbr, 0);
  }
  if (opts.partitions.length > 4) {
    throw new ImagesError(
      'MBR_TOO_MANY_PARTITIONS',
      `an MBR holds at most 4 primary partitions, got ${opts.partitions.length}`,
      'use a GPT for more partitions',
    );
  }
  mbr.writeUInt32LE(opts.diskSignature >>> 0, 0x1b8);
  opts.partitions.forEach((p, i) => {
    if (!Number.isSafeInteger(p.start) || p.start < 0 || p.start > 0xffffffff) {
      throw new ImagesError(
        'MBR_BAD_START',
        `partition ${i + 1} start ${p.start} is not a 32-bit LBA`,
      );
    }
    if (!Number.isSafeInteger(p.sectors) || p.sectors <= 0 || p.sectors > 0xffffffff) {
      throw new ImagesError(
        'MBR_BAD_SIZE',
        `partition ${i + 1} size ${p.sectors} sectors is out of range`,
        'an MBR partition is 1..2^32-1 sectors',
      );
    }
    const o = 0x1be + i * 16;
    mbr[o] = p.bootable ? 0x80 : 0x00;
    mbr.set(chs(p.start, g), o + 1);
    mbr[o + 4] = p.type;
    mbr.set(chs(p.start + p.sectors - 1, g), o + 5);
    mbr.writeUInt32LE(p.start, o + 8);
    mbr.writeUInt32LE(p.sectors, o + 12);
  });
  mbr[0x1fe] = 0x55;
  mbr[0x1ff] = 0xaa;
  return mbr;
}

export interface ParsedMbr {
  diskSignature: number;
  partitions: (MbrPartition & { index: number })[];
}

/** Reads the partition table of an MBR sector (empty slots are left out). */
export function readMbr(sector: Uint8Array): ParsedMbr {
  const b = Buffer.from(sector.buffer, sector.byteOffset, sector.byteLength);
  if (b.length < SECTOR || b[0x1fe] !== 0x55 || b[0x1ff] !== 0xaa) {
    throw new ImagesError(
      'MBR_NO_SIGNATURE',
      'no MBR boot signature 0x55AA at byte 510',
      'is this a disk image?',
      1,
    );
  }
  const partitions: ParsedMbr['partitions'] = [];
  for (let i = 0; i < 4; i++) {
    const o = 0x1be + i * 16;
    const type = b[o + 4]!;
    const sectors = b.readUInt32LE(o + 12);
    if (type === 0 && sectors === 0) continue;
    partitions.push({
      index: i + 1,
      start: b.readUInt32LE(o + 8),
      sectors,
      type,
      bootable: b[o] === 0x80,
    });
  }
  return { diskSignature: b.readUInt32LE(0x1b8), partitions };
}
