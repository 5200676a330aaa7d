import { ImagesError } from '../errors.js';

// El Torito 1.0 boot catalog (one 2048-byte block; 32-byte entries):
// Validation entry (§2.1): 0 header id 1  1 platform (0 x86, 0xEF UEFI)  4 id string (24)
//   28 checksum (words sum to 0)  30 0x55  31 0xAA
// Initial/default and section entries (§2.2, §2.4): 0 boot indicator 0x88  1 media type
//   (0 no emulation)  2 load segment (0 = 0x7C0)  4 system type  6 sector count (512-byte
//   virtual sectors)  8 load RBA (LBA of the image)
// Section header (§2.3): 0 indicator (0x90 more follow, 0x91 last)  1 platform  2 entries

export const PLATFORM_X86 = 0x00;
export const PLATFORM_EFI = 0xef;

export interface BootEntry {
  platform: number;
  lba: number;
  /** Sector count in 512-byte units (isolinux: 4). */
  sectors: number;
}

function bootEntry(b: Buffer, at: number, e: BootEntry) {
  b[at] = 0x88;
  b[at + 1] = 0; // no emulation
  b.writeUInt16LE(0, at + 2);
  b[at + 4] = 0;
  b.writeUInt16LE(Math.min(e.sectors, 0xffff), at + 6);
  b.writeUInt32LE(e.lba, at + 8);
}

/** The catalog: the first entry is the default; the rest go in one section each. */
export function bootCatalog(entries: BootEntry[]): Buffer {
  const b = Buffer.alloc(2048);
  const first = entries[0]!;
  b[0] = 1;
  b[1] = first.platform;
  b[30] = 0x55;
  b[31] = 0xaa;
  let sum = 0;
  for (let i = 0; i < 32; i += 2) sum = (sum + b.readUInt16LE(i)) & 0xffff;
  b.writeUInt16LE((0x10000 - sum) & 0xffff, 28);
  bootEntry(b, 32, first);
  let at = 64;
  entries.slice(1).forEach((e, i) => {
    b[at] = i === entries.length - 2 ? 0x91 : 0x90;
    b[at + 1] = e.platform;
    b.writeUInt16LE(1, at + 2);
    bootEntry(b, at + 32, e);
    at += 64;
  });
  return b;
}

/**
 * The isolinux boot-info-table (mkisofs -boot-info-table): bytes 8..63 of the boot file
 * receive 8 PVD LBA, 12 file LBA, 16 file length, 20 checksum (32-bit sum of the LE words
 * from byte 64 to the end), 24..63 zero. Returns a patched copy; the input stays untouched
 * (genisoimage patches the staging file in place, image-recipes.md §2.5).
 */
export function patchBootInfoTable(file: Uint8Array, pvdLba: number, fileLba: number): Buffer {
  if (file.length < 64) {
    throw new ImagesError(
      'ISO_BOOT_FILE_TOO_SMALL',
      `boot file of ${file.length} bytes has no room for a boot-info-table`,
      'use isolinux.bin from the isolinux package',
    );
  }
  const b = Buffer.alloc(Math.ceil(file.length / 4) * 4);
  b.set(file);
  let sum = 0;
  for (let i = 64; i < b.length; i += 4) sum = (sum + b.readUInt32LE(i)) >>> 0;
  b.fill(0, 8, 64);
  b.writeUInt32LE(pvdLba, 8);
  b.writeUInt32LE(fileLba, 12);
  b.writeUInt32LE(file.length, 16);
  b.writeUInt32LE(sum, 20);
  return b.subarray(0, file.length);
}
