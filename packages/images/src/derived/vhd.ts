import { createHash } from 'node:crypto';
import { ImagesError } from '../errors.js';
import type { ImageChunk } from '../output.js';
import { deriveBytes } from '../util/ids.js';
import { checkEpoch } from '../util/time.js';

// Fixed VHD (build.md §1 "vhd", Azure): the raw disk, rounded up to a whole MiB (Azure refuses
// other virtual sizes), followed by the 512-byte hard disk footer of Microsoft's "Virtual Hard
// Disk Image Format Specification" (v1.0, 2006), "Hard Disk Footer Format". All fields are
// big-endian. A fixed disk has no header and no block table: the footer is the whole format.

export const VHD_FOOTER_SIZE = 512;
const MiB = 1024 * 1024;
/** VHD timestamps count seconds from 2000-01-01 00:00:00 UTC. */
const VHD_EPOCH = 946_684_800;
/** The spec's largest geometry (65535 cylinders, 16 heads, 255 sectors per track). */
const MAX_CHS_SECTORS = 65535 * 16 * 255;

export interface VhdGeometry {
  cylinders: number;
  heads: number;
  sectorsPerTrack: number;
}

export interface VhdFooter {
  cookie: string;
  features: number;
  formatVersion: number;
  dataOffset: bigint;
  /** Seconds since 2000-01-01 UTC. */
  timestamp: number;
  creatorApplication: string;
  creatorVersion: number;
  creatorHostOs: string;
  originalSize: bigint;
  currentSize: bigint;
  geometry: VhdGeometry;
  /** 2 = fixed, 3 = dynamic, 4 = differencing. */
  diskType: number;
  checksum: number;
  uniqueId: Uint8Array;
  savedState: number;
}

export interface VhdOptions {
  sourceDateEpoch: number;
  /** Seed of the unique id (default: sha256 of the raw disk). */
  seed?: string;
  /** Creator version as major, minor (default 0.1, the first ucvm writing VHDs). */
  creatorVersion?: [number, number];
}

/**
 * CHS geometry of a disk of `totalSectors` (the spec's Appendix "CHS Calculation", integer
 * arithmetic as written there). Only used by readers that size the disk by CHS.
 */
export function vhdGeometry(totalSectors: number): VhdGeometry {
  const total = Math.min(totalSectors, MAX_CHS_SECTORS);
  let sectorsPerTrack: number;
  let heads: number;
  let cylinderTimesHeads: number;
  if (total >= 65535 * 16 * 63) {
    sectorsPerTrack = 255;
    heads = 16;
    cylinderTimesHeads = Math.floor(total / sectorsPerTrack);
  } else {
    sectorsPerTrack = 17;
    cylinderTimesHeads = Math.floor(total / sectorsPerTrack);
    heads = Math.max(4, Math.floor((cylinderTimesHeads + 1023) / 1024));
    if (cylinderTimesHeads >= heads * 1024 || heads > 16) {
      sectorsPerTrack = 31;
      heads = 16;
      cylinderTimesHeads = Math.floor(total / sectorsPerTrack);
    }
    if (cylinderTimesHeads >= heads * 1024) {
      sectorsPerTrack = 63;
      heads = 16;
      cylinderTimesHeads = Math.floor(total / sectorsPerTrack);
    }
  }
  return { cylinders: Math.floor(cylinderTimesHeads / heads), heads, sectorsPerTrack };
}

/** One's complement of the byte sum of the footer with its checksum field (64..67) left out. */
export function vhdChecksum(footer: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < VHD_FOOTER_SIZE; i++) if (i < 64 || i >= 68) sum += footer[i] ?? 0;
  return ~sum >>> 0;
}

/** The footer of a fixed disk of `sizeBytes` (a multiple of 512). */
export function vhdFooter(sizeBytes: number, uniqueId: Uint8Array, opts: VhdOptions): Uint8Array {
  const epoch = checkEpoch(opts.sourceDateEpoch);
  if (!Number.isSafeInteger(sizeBytes) || sizeBytes <= 0 || sizeBytes % 512 !== 0) {
    throw new ImagesError(
      'VHD_BAD_SIZE',
      `VHD disk size ${sizeBytes} is not a positive multiple of 512`,
      'pass a raw disk of whole sectors',
    );
  }
  if (uniqueId.length !== 16) {
    throw new ImagesError('VHD_BAD_ID', `VHD unique id is ${uniqueId.length} bytes, not 16`);
  }
  const [major, minor] = opts.creatorVersion ?? [0, 1];
  const f = Buffer.alloc(VHD_FOOTER_SIZE);
  f.write('conectix', 0, 'ascii'); // 0  cookie[8]
  f.writeUInt32BE(0x0000_0002, 8); // 8  features: the "reserved" bit the spec requires set
  f.writeUInt32BE(0x0001_0000, 12); // 12 file format version 1.0
  f.writeBigUInt64BE(0xffff_ffff_ffff_ffffn, 16); // 16 data offset: none for a fixed disk
  // 24 timestamp; a SOURCE_DATE_EPOCH before 2000 (e.g. the default 0) is clamped to 2000.
  f.writeUInt32BE(Math.max(0, epoch - VHD_EPOCH), 24);
  // 28 creator application. Not one of the ids qemu maps to "size from current size"
  // ("win ", "qem2", …): qemu sizes such disks by CHS unless opened with
  // force_size_calc=current_size; Hyper-V/Azure always use the current size.
  f.write('ucvm', 28, 'ascii');
  f.writeUInt16BE(major, 32); // 32 creator version, major
  f.writeUInt16BE(minor, 34); //    … minor
  f.write('Wi2k', 36, 'ascii'); // 36 creator host OS: the spec defines only "Wi2k" and "Mac "
  f.writeBigUInt64BE(BigInt(sizeBytes), 40); // 40 original size
  f.writeBigUInt64BE(BigInt(sizeBytes), 48); // 48 current size
  const g = vhdGeometry(sizeBytes / 512);
  f.writeUInt16BE(g.cylinders, 56); // 56 disk geometry: cylinders[2]
  f.writeUInt8(g.heads, 58); //    heads[1]
  f.writeUInt8(g.sectorsPerTrack, 59); //    sectors per track[1]
  f.writeUInt32BE(2, 60); // 60 disk type: fixed
  f.set(uniqueId, 68); // 68 unique id[16]
  f.writeUInt8(0, 84); // 84 saved state; 85..511 reserved, zero
  f.writeUInt32BE(vhdChecksum(f), 64); // 64 checksum
  return f;
}

/** Parses a footer (the last 512 bytes of a VHD); checks the cookie, not the checksum. */
export function readVhdFooter(bytes: Uint8Array): VhdFooter & { checksumValid: boolean } {
  const f = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).subarray(-VHD_FOOTER_SIZE);
  if (f.length !== VHD_FOOTER_SIZE || f.toString('latin1', 0, 8) !== 'conectix') {
    throw new ImagesError(
      'VHD_NO_FOOTER',
      'no VHD footer (cookie "conectix") in the last 512 bytes',
      'pass a fixed VHD file',
    );
  }
  const checksum = f.readUInt32BE(64);
  return {
    cookie: 'conectix',
    features: f.readUInt32BE(8),
    formatVersion: f.readUInt32BE(12),
    dataOffset: f.readBigUInt64BE(16),
    timestamp: f.readUInt32BE(24),
    creatorApplication: f.toString('latin1', 28, 32),
    creatorVersion: f.readUInt32BE(32),
    creatorHostOs: f.toString('latin1', 36, 40),
    originalSize: f.readBigUInt64BE(40),
    currentSize: f.readBigUInt64BE(48),
    geometry: { cylinders: f.readUInt16BE(56), heads: f[58] ?? 0, sectorsPerTrack: f[59] ?? 0 },
    diskType: f.readUInt32BE(60),
    checksum,
    uniqueId: new Uint8Array(f.subarray(68, 84)),
    savedState: f[84] ?? 0,
    checksumValid: checksum === vhdChecksum(f),
  };
}

/**
 * A fixed VHD of `raw` as chunks: the raw disk, zeros up to a whole MiB, the footer. The unique
 * id is derived from the raw disk's sha256 (or `opts.seed`), never random (build.md §7).
 */
export function writeFixedVhd(raw: Uint8Array, opts: VhdOptions): ImageChunk[] {
  if (raw.length === 0) {
    throw new ImagesError('VHD_BAD_SIZE', 'the raw disk for the VHD is empty', 'pass the hdd');
  }
  const size = Math.ceil(raw.length / MiB) * MiB;
  const seed = opts.seed ?? createHash('sha256').update(raw).digest('hex');
  const id = deriveBytes(seed, 'vhd-unique-id').subarray(0, 16);
  const chunks: ImageChunk[] = [raw];
  if (size > raw.length) chunks.push(size - raw.length);
  chunks.push(vhdFooter(size, id, opts));
  return chunks;
}
