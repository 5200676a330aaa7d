import { ImagesError } from '../errors.js';
import { looksLikeFat } from './detect.js';
import { readPartitionTable } from './disk.js';
import { type FileSystemView, fatView, isoView } from './file-system.js';
import type { ElToritoEntry, IsoInfo, PartitionTable } from './types.js';

// An ISO image (build.md §1 "iso"): the primary volume, the El Torito boot catalog (the
// reading side of iso9660/el-torito.ts, same offsets), the isohybrid MBR and, for the UEFI
// entry, the FAT image it boots (which holds EFI/BOOT/grub.cfg).
// Volume descriptor set (ECMA-119 §8): 2048-byte blocks from LBA 16 up to type 255; the El
// Torito boot record is type 0 with "EL TORITO SPECIFICATION" at 7, catalog LBA at 71 (LE).
// Catalog: 0 validation entry (32)  32 initial entry (32)  64.. section headers
// (0x90 more / 0x91 last, +1 platform, +2 entry count) each followed by its entries.
// Entry: 0 indicator (0x88 bootable)  1 media (0 no emulation)  6 sector count  8 load LBA.

const BLOCK = 2048;
const PLATFORMS: Record<number, string> = { 0: 'bios', 239: 'uefi', 1: 'ppc', 2: 'mac' };
const MEDIA = ['none', '1.2M floppy', '1.44M floppy', '2.88M floppy', 'hard disk'];

function catalogLba(iso: Buffer): number | undefined {
  for (let lba = 16; (lba + 1) * BLOCK <= iso.length && lba < 16 + 64; lba++) {
    const d = iso.subarray(lba * BLOCK, (lba + 1) * BLOCK);
    if (d.toString('latin1', 1, 6) !== 'CD001' || d[0] === 255) return undefined;
    if (d[0] === 0 && d.toString('latin1', 7, 30) === 'EL TORITO SPECIFICATION')
      return d.readUInt32LE(71);
  }
  return undefined;
}

function readEntry(c: Buffer, at: number, platform: number): ElToritoEntry {
  return {
    platform: PLATFORMS[platform] ?? `0x${platform.toString(16)}`,
    bootable: c[at] === 0x88,
    emulation: MEDIA[c[at + 1]! & 0x0f] ?? `media ${c[at + 1]}`,
    sectors: c.readUInt16LE(at + 6),
    lba: c.readUInt32LE(at + 8),
  };
}

/** The boot catalog's entries, in catalog order (the default entry first). */
export function readBootCatalog(iso: Uint8Array, lba: number): ElToritoEntry[] {
  const b = Buffer.from(iso.buffer, iso.byteOffset, iso.byteLength);
  const c = b.subarray(lba * BLOCK, (lba + 1) * BLOCK);
  if (c.length < BLOCK || c[0] !== 1 || c[30] !== 0x55 || c[31] !== 0xaa) {
    throw new ImagesError(
      'INSPECT_BAD_BOOT_CATALOG',
      `no El Torito validation entry at LBA ${lba}`,
      'the ISO is damaged: build or download it again',
      1,
    );
  }
  const entries = [readEntry(c, 32, c[1]!)];
  for (let at = 64; at + 32 <= BLOCK; ) {
    const indicator = c[at]!;
    if (indicator !== 0x90 && indicator !== 0x91) break;
    const platform = c[at + 1]!;
    const count = c.readUInt16LE(at + 2);
    at += 32;
    for (let i = 0; i < count && at + 32 <= BLOCK; i++, at += 32) {
      entries.push(readEntry(c, at, platform));
      while (at + 64 <= BLOCK && c[at + 32] === 0x44) at += 32; // extension entries
    }
    if (indicator === 0x91) break;
  }
  return entries;
}

export interface IsoRead {
  iso: IsoInfo;
  partitionTable?: PartitionTable;
  views: FileSystemView[];
}

export function readIsoImage(bytes: Uint8Array): IsoRead {
  const v = isoView(bytes);
  const views: FileSystemView[] = [v];
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lba = catalogLba(b);
  let elTorito: IsoInfo['elTorito'];
  if (lba !== undefined) {
    const entries = readBootCatalog(bytes, lba);
    for (const e of entries) {
      const path = v.pathAt(e.lba);
      if (path !== undefined) e.path = path;
      if (e.platform !== 'uefi') continue;
      // The EFI image's size: its file's, else the catalog's sector count.
      const size = (path && v.info.tree.find((f) => f.path === path)?.size) || e.sectors * 512;
      const img = bytes.subarray(e.lba * BLOCK, e.lba * BLOCK + size);
      if (looksLikeFat(img))
        views.push(
          fatView(img, `El Torito UEFI image ${path ?? `at LBA ${e.lba}`}`, e.lba * BLOCK),
        );
    }
    elTorito = { catalogLba: lba, entries };
    const catalogPath = v.pathAt(lba);
    if (catalogPath !== undefined) elTorito.catalogPath = catalogPath;
  }
  const hybridMbr = b.length >= 512 && b[510] === 0x55 && b[511] === 0xaa;
  const out: IsoRead = {
    iso: {
      volumeId: v.pvd.volumeId,
      blocks: v.pvd.totalBlocks,
      modificationDate: v.pvd.modificationDate,
      elTorito,
      hybridMbr,
    },
    views,
  };
  if (hybridMbr) out.partitionTable = readPartitionTable(bytes);
  return out;
}
