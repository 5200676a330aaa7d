import { ImagesError } from '../errors.js';
import { type MbrPartition, writeMbr } from '../partition/mbr.js';

// isohybrid MBR (syslinux isohybrid, xorriso -isohybrid-mbr): the ISO also boots as a disk.
//   0..431  isohdpfx.bin code
//   432     LBA of isolinux.bin in 512-byte sectors (LE, 4) + 4 zero bytes (a 64-bit field)
//   440     disk signature  444 zero (2)  446 partition table  510 0x55AA
// Partition 1: active, type 0x17, from 0 over the whole (1 MiB padded) image, CHS in the
// 64-head/32-sector geometry isohybrid uses. With a UEFI image, partition 2 (type 0xEF)
// exposes it as an ESP for firmware that boots the image as a disk.

export const HYBRID_GEOMETRY = { heads: 64, sectorsPerTrack: 32 };
/** isohybrid pads the image to whole 64x32 cylinders = 1 MiB. */
export const HYBRID_ALIGN = 64 * 32 * 512;

/** isolinux.bin built for isohybrid carries this word at byte 0x40. */
export function isHybridCapable(isolinuxBin: Uint8Array): boolean {
  return (
    isolinuxBin.length > 0x44 &&
    Buffer.from(isolinuxBin.subarray(0x40, 0x44)).readUInt32LE(0) === 0x7078c0fb
  );
}

export function isohybridMbr(o: {
  code: Uint8Array;
  bootFileLba: number;
  imageBytes: number;
  diskSignature: number;
  efi?: { lba: number; bytes: number };
}): Uint8Array {
  if (o.code.length < 432) {
    throw new ImagesError(
      'ISO_BAD_HYBRID_MBR',
      `isohybrid MBR code is ${o.code.length} bytes, expected the 432-byte isohdpfx.bin`,
      'use /usr/lib/ISOLINUX/isohdpfx.bin from the isolinux package',
    );
  }
  const sectors = o.imageBytes / 512;
  const partitions: MbrPartition[] = [{ start: 0, sectors, type: 0x17, bootable: true }];
  if (o.efi)
    partitions.push({ start: o.efi.lba * 4, sectors: Math.ceil(o.efi.bytes / 512), type: 0xef });
  const code = Buffer.alloc(440);
  code.set(o.code.subarray(0, 432));
  code.writeUInt32LE(o.bootFileLba * 4, 432);
  return writeMbr({
    bootCode: code,
    diskSignature: o.diskSignature,
    partitions,
    geometry: HYBRID_GEOMETRY,
  });
}
