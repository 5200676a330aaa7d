import { ImagesError } from '../errors.js';

// FAT boot sector / BIOS Parameter Block (Microsoft "FAT32 File System Specification" 1.03).
// Common BPB:
//   0 jmpBoot(3)  3 OEMName(8)  11 BytsPerSec(2)  13 SecPerClus(1)  14 RsvdSecCnt(2)
//   16 NumFATs(1)  17 RootEntCnt(2)  19 TotSec16(2)  21 Media(1)  22 FATSz16(2)
//   24 SecPerTrk(2)  26 NumHeads(2)  28 HiddSec(4)  32 TotSec32(4)
// FAT12/16 extended BPB:
//   36 DrvNum  37 Reserved1  38 BootSig 0x29  39 VolID(4)  43 VolLab(11)  54 FilSysType(8)
//   62.. boot code
// FAT32 extended BPB:
//   36 FATSz32(4)  40 ExtFlags(2)  42 FSVer(2)  44 RootClus(4)  48 FSInfo(2)  50 BkBootSec(2)
//   52 Reserved(12)  64 DrvNum  65 Reserved1  66 BootSig 0x29  67 VolID(4)  71 VolLab(11)
//   82 FilSysType(8)  90.. boot code
//   510 0x55 0xAA

export type FatType = 12 | 16 | 32;

export interface FatGeometry {
  fatType: FatType;
  bytesPerSector: 512;
  sectorsPerCluster: number;
  reservedSectors: number;
  numFats: 2;
  rootEntries: number;
  totalSectors: number;
  fatSectors: number;
  hiddenSectors: number;
  /** Number of data clusters (cluster numbers 2 .. clusterCount + 1). */
  clusterCount: number;
  /** First sector of the root directory region (FAT12/16) and of the data region. */
  rootDirSector: number;
  firstDataSector: number;
}

export const SECTOR = 512;
// Cluster-count limits by which every reader tells the FAT type apart (spec §3.5).
export const MAX_FAT12_CLUSTERS = 4084;
export const MAX_FAT16_CLUSTERS = 65524;
export const MAX_FAT32_CLUSTERS = 0x0ffffff4;
const MiB = 1024 * 1024;

function rangeFor(t: FatType): [number, number] {
  if (t === 12) return [1, MAX_FAT12_CLUSTERS];
  if (t === 16) return [MAX_FAT12_CLUSTERS + 1, MAX_FAT16_CLUSTERS];
  return [MAX_FAT16_CLUSTERS + 1, MAX_FAT32_CLUSTERS];
}

/** The FAT type for a size when none is forced: FAT12 below 4 MiB, FAT32 from 512 MiB. */
export function defaultFatType(sizeBytes: number): FatType {
  if (sizeBytes < 4 * MiB) return 12;
  if (sizeBytes < 512 * MiB) return 16;
  return 32;
}

function layout(t: FatType, totalSectors: number, spc: number, rootEntries: number) {
  const reservedSectors = t === 32 ? 32 : 1;
  const rootSectors = t === 32 ? 0 : Math.ceil((rootEntries * 32) / SECTOR);
  const bits = t === 32 ? 32 : t;
  let fatSectors = 1;
  for (;;) {
    const data = totalSectors - reservedSectors - 2 * fatSectors - rootSectors;
    const clusters = Math.max(0, Math.floor(data / spc));
    const need = Math.ceil(Math.ceil(((clusters + 2) * bits) / 8) / SECTOR);
    if (need <= fatSectors) {
      return { reservedSectors, rootSectors, fatSectors, clusterCount: clusters };
    }
    fatSectors = need;
  }
}

/**
 * Picks the geometry: the smallest cluster size (512 B .. 32 KiB) whose cluster count fits the
 * FAT type; FAT32 above 260 MiB starts at 4 KiB clusters, as Microsoft's table does.
 */
export function computeGeometry(opts: {
  sizeBytes: number;
  fatType?: FatType;
  sectorsPerCluster?: number;
  hiddenSectors?: number;
  rootEntries?: number;
}): FatGeometry {
  const { sizeBytes } = opts;
  if (!Number.isSafeInteger(sizeBytes) || sizeBytes % SECTOR !== 0 || sizeBytes < 64 * 1024) {
    throw new ImagesError(
      'FAT_BAD_SIZE',
      `FAT size ${sizeBytes} bytes is not a multiple of 512 of at least 64 KiB`,
      'give the size in whole sectors, e.g. 16 * 1024 * 1024',
    );
  }
  const fatType = opts.fatType ?? defaultFatType(sizeBytes);
  const totalSectors = sizeBytes / SECTOR;
  if (fatType !== 32 && totalSectors > 0xffffffff) {
    throw new ImagesError(
      'FAT_TOO_LARGE',
      `${sizeBytes} bytes is too large for FAT${fatType}`,
      'use FAT32',
    );
  }
  const rootEntries = fatType === 32 ? 0 : (opts.rootEntries ?? 512);
  const [min, max] = rangeFor(fatType);
  const candidates = opts.sectorsPerCluster
    ? [opts.sectorsPerCluster]
    : [1, 2, 4, 8, 16, 32, 64].filter((s) => !(fatType === 32 && sizeBytes > 260 * MiB && s < 8));
  for (const spc of candidates) {
    if (![1, 2, 4, 8, 16, 32, 64, 128].includes(spc)) {
      throw new ImagesError(
        'FAT_BAD_CLUSTER',
        `sectors per cluster ${spc} is not a power of two 1..128`,
      );
    }
    const l = layout(fatType, totalSectors, spc, rootEntries);
    if (l.clusterCount > max) continue;
    if (l.clusterCount < min) break;
    const rootDirSector = l.reservedSectors + 2 * l.fatSectors;
    return {
      fatType,
      bytesPerSector: SECTOR,
      sectorsPerCluster: spc,
      reservedSectors: l.reservedSectors,
      numFats: 2,
      rootEntries,
      totalSectors,
      fatSectors: l.fatSectors,
      hiddenSectors: opts.hiddenSectors ?? 0,
      clusterCount: l.clusterCount,
      rootDirSector,
      firstDataSector: rootDirSector + l.rootSectors,
    };
  }
  throw new ImagesError(
    'FAT_TYPE_DOES_NOT_FIT',
    `FAT${fatType} needs ${min}..${max} clusters; ${sizeBytes} bytes cannot be laid out that way`,
    fatType === 32
      ? 'FAT32 needs at least about 33 MiB; use FAT16 or FAT12 for smaller images'
      : 'let the type be chosen by size (omit fatType) or change the size',
  );
}

export interface BootSectorFields {
  volumeId: number;
  /** Up to 11 characters, stored upper-case and space padded. */
  label: string;
  oemName?: string;
}

/** 11-byte space-padded label as stored in the BPB and the root label entry. */
export function labelBytes(label: string): Buffer {
  const up = label.toUpperCase();
  if (up.length > 11 || !/^[A-Z0-9 !#$%&'()\-@^_`{}~]*$/.test(up)) {
    throw new ImagesError(
      'FAT_BAD_LABEL',
      `FAT volume label ${JSON.stringify(label)} must be at most 11 of A-Z 0-9 and !#$%&'()-@^_\`{}~ and space`,
      'for example "UCERNVM"',
    );
  }
  return Buffer.from(up.padEnd(11, ' '), 'latin1');
}

export function writeBootSector(g: FatGeometry, f: BootSectorFields): Buffer {
  const b = Buffer.alloc(SECTOR);
  const fat32 = g.fatType === 32;
  // jmp short to the boot code + nop
  b.set([0xeb, fat32 ? 0x58 : 0x3c, 0x90], 0);
  b.write((f.oemName ?? 'UCVM').padEnd(8, ' ').slice(0, 8), 3, 'latin1');
  b.writeUInt16LE(SECTOR, 11);
  b[13] = g.sectorsPerCluster;
  b.writeUInt16LE(g.reservedSectors, 14);
  b[16] = g.numFats;
  b.writeUInt16LE(g.rootEntries, 17);
  const small = !fat32 && g.totalSectors < 0x10000;
  b.writeUInt16LE(small ? g.totalSectors : 0, 19);
  b[21] = 0xf8; // fixed disk
  b.writeUInt16LE(fat32 ? 0 : g.fatSectors, 22);
  b.writeUInt16LE(63, 24);
  b.writeUInt16LE(255, 26);
  b.writeUInt32LE(g.hiddenSectors, 28);
  b.writeUInt32LE(small ? 0 : g.totalSectors, 32);
  let ext = 36;
  if (fat32) {
    b.writeUInt32LE(g.fatSectors, 36);
    b.writeUInt16LE(0, 40); // FAT mirroring on
    b.writeUInt16LE(0, 42);
    b.writeUInt32LE(2, 44); // root directory cluster
    b.writeUInt16LE(1, 48); // FSInfo sector
    b.writeUInt16LE(6, 50); // backup boot sector
    ext = 64;
  }
  b[ext] = 0x80;
  b[ext + 2] = 0x29;
  b.writeUInt32LE(f.volumeId >>> 0, ext + 3);
  labelBytes(f.label).copy(b, ext + 7);
  b.write(fat32 ? 'FAT32   ' : g.fatType === 16 ? 'FAT16   ' : 'FAT12   ', ext + 18, 'latin1');
  // Boot code for a volume that is not bootable by itself: INT 18h (try the next boot
  // device), then halt. syslinux --install replaces it on the HDD partition.
  b.set([0xcd, 0x18, 0xf4, 0xeb, 0xfd], ext + 26);
  b[510] = 0x55;
  b[511] = 0xaa;
  return b;
}

export interface ParsedBootSector {
  geometry: FatGeometry;
  volumeId: number;
  label: string;
}

/** Reads a boot sector; the FAT type follows from the cluster count (spec §3.5). */
export function readBootSector(sector: Uint8Array): ParsedBootSector {
  const b = Buffer.from(sector.buffer, sector.byteOffset, SECTOR);
  if (b[510] !== 0x55 || b[511] !== 0xaa || b.readUInt16LE(11) !== SECTOR) {
    throw new ImagesError(
      'FAT_NOT_FAT',
      'no FAT boot sector (signature or 512-byte sectors missing)',
      undefined,
      1,
    );
  }
  const spc = b[13]!;
  const reservedSectors = b.readUInt16LE(14);
  const rootEntries = b.readUInt16LE(17);
  const totalSectors = b.readUInt16LE(19) || b.readUInt32LE(32);
  const fat16Size = b.readUInt16LE(22);
  const fatSectors = fat16Size || b.readUInt32LE(36);
  const rootDirSector = reservedSectors + b[16]! * fatSectors;
  const firstDataSector = rootDirSector + Math.ceil((rootEntries * 32) / SECTOR);
  const clusterCount = Math.floor((totalSectors - firstDataSector) / spc);
  const fatType: FatType = fat16Size === 0 ? 32 : clusterCount <= MAX_FAT12_CLUSTERS ? 12 : 16;
  const ext = fatType === 32 ? 64 : 36;
  return {
    geometry: {
      fatType,
      bytesPerSector: SECTOR,
      sectorsPerCluster: spc,
      reservedSectors,
      numFats: 2,
      rootEntries,
      totalSectors,
      fatSectors,
      hiddenSectors: b.readUInt32LE(28),
      clusterCount,
      rootDirSector,
      firstDataSector,
    },
    volumeId: b.readUInt32LE(ext + 3),
    label: b.toString('latin1', ext + 7, ext + 18).trimEnd(),
  };
}
