import { ImagesError } from '../errors.js';
import { crc32 } from '../util/crc32.js';
import { deriveBytes } from '../util/ids.js';
import { SECTOR, writeMbr } from './mbr.js';

// GUID Partition Table (UEFI 2.10 §5.3). Layout on a disk of N sectors:
//   LBA 0        protective MBR (one 0xEE entry covering the disk)
//   LBA 1        primary header
//   LBA 2..33    primary entry array (128 entries x 128 bytes)
//   LBA N-33..N-2 backup entry array
//   LBA N-1      backup header
// Header (92 bytes, rest of the sector zero):
//   0 "EFI PART"  8 revision 0x00010000  12 header size 92  16 header CRC32  20 reserved
//   24 my LBA  32 alternate LBA  40 first usable LBA  48 last usable LBA  56 disk GUID
//   72 entry array LBA  80 entry count  84 entry size  88 entry array CRC32
// Entry (128 bytes):
//   0 type GUID  16 unique GUID  32 first LBA  40 last LBA (inclusive)  48 attributes
//   56 name (36 UTF-16LE code units)

export const GPT_ENTRIES = 128;
const ENTRY_SIZE = 128;
const ARRAY_SECTORS = (GPT_ENTRIES * ENTRY_SIZE) / SECTOR; // 32

export const GPT_TYPE = {
  efiSystem: 'C12A7328-F81F-11D2-BA4B-00A0C93EC93B',
  basicData: 'EBD0A0A2-B9E5-4433-87C0-68B6B72699C7',
  linuxFilesystem: '0FC63DAF-8483-4772-8E79-3D69D8477DE4',
  biosBoot: '21686148-6449-6E6F-744E-656564454649',
} as const;

export interface GptPartition {
  type: string;
  /** Unique partition GUID; derived from the seed and the index when absent. */
  guid?: string;
  start: number;
  sectors: number;
  name?: string;
  attributes?: bigint;
}

export interface GptOptions {
  /** Disk size in 512-byte sectors. */
  diskSectors: number;
  /** Seed for the disk and partition GUIDs (e.g. the image name + content digest). */
  seed: string;
  diskGuid?: string;
  partitions: GptPartition[];
}

/** Encodes a GUID string in the on-disk mixed-endian form (first three fields LE). */
export function guidToBytes(guid: string): Uint8Array {
  const hex = guid.replace(/-/g, '');
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) {
    throw new ImagesError(
      'GPT_BAD_GUID',
      `not a GUID: ${JSON.stringify(guid)}`,
      'write it as XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX',
    );
  }
  const b = Buffer.from(hex, 'hex');
  b.subarray(0, 4).reverse();
  b.subarray(4, 6).reverse();
  b.subarray(6, 8).reverse();
  return b;
}

export function bytesToGuid(bytes: Uint8Array): string {
  const b = Buffer.from(bytes.subarray(0, 16));
  b.subarray(0, 4).reverse();
  b.subarray(4, 6).reverse();
  b.subarray(6, 8).reverse();
  const h = b.toString('hex').toUpperCase();
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** An RFC 4122 version-4-shaped GUID whose bits come from sha256(seed, purpose). */
export function deriveGuid(seed: string, purpose: string): string {
  const b = Buffer.from(deriveBytes(seed, purpose).subarray(0, 16));
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = b.toString('hex').toUpperCase();
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export interface GptLayout {
  /** LBA 0..33: protective MBR, primary header, primary entries. */
  primary: Uint8Array;
  /** The last 33 sectors: backup entries, backup header. Write at (diskSectors - 33) * 512. */
  backup: Uint8Array;
  diskGuid: string;
  partitionGuids: string[];
}

export function gptUsableRange(diskSectors: number): { first: number; last: number } {
  return { first: 2 + ARRAY_SECTORS, last: diskSectors - 2 - ARRAY_SECTORS };
}

export function writeGpt(opts: GptOptions): GptLayout {
  const n = opts.diskSectors;
  const { first, last } = gptUsableRange(n);
  if (!Number.isSafeInteger(n) || last < first) {
    throw new ImagesError(
      'GPT_DISK_TOO_SMALL',
      `a GPT needs at least 68 sectors, disk has ${n}`,
      'make the disk larger',
    );
  }
  if (opts.partitions.length > GPT_ENTRIES) {
    throw new ImagesError(
      'GPT_TOO_MANY_PARTITIONS',
      `at most ${GPT_ENTRIES} partitions, got ${opts.partitions.length}`,
    );
  }
  const entries = Buffer.alloc(ARRAY_SECTORS * SECTOR);
  const partitionGuids: string[] = [];
  opts.partitions.forEach((p, i) => {
    const end = p.start + p.sectors - 1;
    if (p.start < first || end > last || p.sectors <= 0) {
      throw new ImagesError(
        'GPT_PARTITION_OUT_OF_RANGE',
        `partition ${i + 1} spans LBA ${p.start}..${end}, outside the usable ${first}..${last}`,
        'start partitions at 2048 (1 MiB) and leave 33 sectors at the end of the disk',
      );
    }
    const guid = p.guid ?? deriveGuid(opts.seed, `gpt-partition-${i + 1}`);
    partitionGuids.push(guid);
    const o = i * ENTRY_SIZE;
    entries.set(guidToBytes(p.type), o);
    entries.set(guidToBytes(guid), o + 16);
    entries.writeBigUInt64LE(BigInt(p.start), o + 32);
    entries.writeBigUInt64LE(BigInt(end), o + 40);
    entries.writeBigUInt64LE(p.attributes ?? 0n, o + 48);
    const name = p.name ?? '';
    if (name.length > 36) {
      throw new ImagesError(
        'GPT_NAME_TOO_LONG',
        `partition name ${JSON.stringify(name)} exceeds 36 UTF-16 units`,
      );
    }
    entries.write(name, o + 56, 72, 'utf16le');
  });
  const diskGuid = opts.diskGuid ?? deriveGuid(opts.seed, 'gpt-disk');
  const entriesCrc = crc32(entries);
  const header = (my: number, alt: number, arrayLba: number) => {
    const h = Buffer.alloc(SECTOR);
    h.write('EFI PART', 0, 'latin1');
    h.writeUInt32LE(0x00010000, 8);
    h.writeUInt32LE(92, 12);
    h.writeBigUInt64LE(BigInt(my), 24);
    h.writeBigUInt64LE(BigInt(alt), 32);
    h.writeBigUInt64LE(BigInt(first), 40);
    h.writeBigUInt64LE(BigInt(last), 48);
    h.set(guidToBytes(diskGuid), 56);
    h.writeBigUInt64LE(BigInt(arrayLba), 72);
    h.writeUInt32LE(GPT_ENTRIES, 80);
    h.writeUInt32LE(ENTRY_SIZE, 84);
    h.writeUInt32LE(entriesCrc, 88);
    h.writeUInt32LE(crc32(h.subarray(0, 92)), 16);
    return h;
  };
  const pmbr = writeMbr({
    diskSignature: 0,
    partitions: [{ start: 1, sectors: Math.min(n - 1, 0xffffffff), type: 0xee }],
  });
  const primary = Buffer.concat([pmbr, header(1, n - 1, 2), entries]);
  const backup = Buffer.concat([entries, header(n - 1, 1, n - 1 - ARRAY_SECTORS)]);
  return { primary, backup, diskGuid, partitionGuids };
}

export interface ParsedGpt {
  diskGuid: string;
  partitions: (GptPartition & { index: number; guid: string })[];
}

/** Reads and CRC-checks the primary GPT from the first 34 sectors of a disk. */
export function readGpt(head: Uint8Array): ParsedGpt {
  const b = Buffer.from(head.buffer, head.byteOffset, head.byteLength);
  const h = b.subarray(SECTOR, SECTOR * 2);
  if (h.toString('latin1', 0, 8) !== 'EFI PART') {
    throw new ImagesError('GPT_NO_HEADER', 'no "EFI PART" signature at LBA 1', undefined, 1);
  }
  const size = h.readUInt32LE(12);
  const copy = Buffer.from(h.subarray(0, size));
  copy.writeUInt32LE(0, 16);
  if (crc32(copy) !== h.readUInt32LE(16)) {
    throw new ImagesError('GPT_BAD_HEADER_CRC', 'GPT header CRC32 mismatch', undefined, 1);
  }
  const arrayLba = Number(h.readBigUInt64LE(72));
  const count = h.readUInt32LE(80);
  const esize = h.readUInt32LE(84);
  const arr = b.subarray(arrayLba * SECTOR, arrayLba * SECTOR + count * esize);
  if (crc32(arr) !== h.readUInt32LE(88)) {
    throw new ImagesError('GPT_BAD_ENTRIES_CRC', 'GPT entry array CRC32 mismatch', undefined, 1);
  }
  const partitions: ParsedGpt['partitions'] = [];
  for (let i = 0; i < count; i++) {
    const e = arr.subarray(i * esize, (i + 1) * esize);
    if (e.subarray(0, 16).every((x) => x === 0)) continue;
    const start = Number(e.readBigUInt64LE(32));
    partitions.push({
      index: i + 1,
      type: bytesToGuid(e.subarray(0, 16)),
      guid: bytesToGuid(e.subarray(16, 32)),
      start,
      sectors: Number(e.readBigUInt64LE(40)) - start + 1,
      attributes: e.readBigUInt64LE(48),
      name: e.toString('utf16le', 56, 128).replace(/\0+$/, ''),
    });
  }
  return { diskGuid: bytesToGuid(h.subarray(56, 72)), partitions };
}
