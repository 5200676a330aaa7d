import { isUstar } from '../tar/reader.js';

// What a file is, from its bytes alone (never from its name). The order matters: a fixed VHD
// and an isohybrid ISO also start with an MBR, and a bare FAT boot sector also ends in 0x55AA.
//   qcow2  "QFI\xfb" at 0                 (qemu docs/interop/qcow2.txt)
//   vmdk   "KDMV" at 0                    (VMware Virtual Disk Format 5.0, sparse extent header)
//   vdi    0xbeda107f (LE) at 0x40        (qemu block/vdi.c)
//   iso    type 1, "CD001" at 0x8000      (ECMA-119 §8.4, LBA 16)
//   vhd    "conectix" in the last 512 bytes (fixed) or at 0 (dynamic footer copy)
//   tar    "ustar" at 257 + valid checksum (POSIX.1-2017 pax)
//   gzip   0x1f 0x8b                      (RFC 1952)
//   fat    plausible BPB + "FAT" type string + 0x55AA (FAT spec §3)
//   disk   0x55AA at 510 with a used partition entry, or "EFI PART" at 512 (UEFI §5)

export type DetectedFormat =
  | 'qcow2'
  | 'vmdk'
  | 'vdi'
  | 'iso'
  | 'vhd'
  | 'tar'
  | 'gzip'
  | 'fat'
  | 'disk';

export const DETECTABLE_FORMATS: readonly DetectedFormat[] = [
  'qcow2',
  'vmdk',
  'vdi',
  'iso',
  'vhd',
  'tar',
  'gzip',
  'fat',
  'disk',
];

const ascii = (b: Uint8Array, at: number, len: number) =>
  at < 0 || at + len > b.length ? '' : Buffer.from(b.subarray(at, at + len)).toString('latin1');

/** A FAT boot sector: jump, 512-byte sectors, power-of-two cluster, 1-2 FATs, type string. */
export function looksLikeFat(sector: Uint8Array): boolean {
  if (sector.length < 512 || sector[510] !== 0x55 || sector[511] !== 0xaa) return false;
  const jump = sector[0] === 0xeb || sector[0] === 0xe9;
  const bps = sector[11]! | (sector[12]! << 8);
  const spc = sector[13]!;
  const reserved = sector[14]! | (sector[15]! << 8);
  const fats = sector[16]!;
  const typeString = ascii(sector, 54, 3) === 'FAT' || ascii(sector, 82, 3) === 'FAT';
  return (
    jump &&
    bps === 512 &&
    spc > 0 &&
    (spc & (spc - 1)) === 0 &&
    reserved >= 1 &&
    (fats === 1 || fats === 2) &&
    sector[21]! >= 0xf0 &&
    typeString
  );
}

function looksLikeMbrDisk(b: Uint8Array): boolean {
  if (ascii(b, 512, 8) === 'EFI PART') return true;
  if (b.length < 512 || b[510] !== 0x55 || b[511] !== 0xaa) return false;
  for (let i = 0; i < 4; i++) {
    const o = 0x1be + i * 16;
    const status = b[o]!;
    const type = b[o + 4]!;
    if (status !== 0 && status !== 0x80) return false;
    if (type !== 0) return true;
  }
  return false;
}

/** The format of `bytes`, or undefined when it is none ucvm inspects. */
export function detectFormat(bytes: Uint8Array): DetectedFormat | undefined {
  if (ascii(bytes, 0, 4) === 'QFI\xfb') return 'qcow2';
  if (ascii(bytes, 0, 4) === 'KDMV') return 'vmdk';
  if (
    bytes.length >= 0x44 &&
    Buffer.from(bytes.buffer, bytes.byteOffset + 0x40, 4).readUInt32LE(0) === 0xbeda107f
  )
    return 'vdi';
  if (bytes[0x8000] === 1 && ascii(bytes, 0x8001, 5) === 'CD001') return 'iso';
  if (ascii(bytes, bytes.length - 512, 8) === 'conectix' || ascii(bytes, 0, 8) === 'conectix')
    return 'vhd';
  if (isUstar(bytes)) return 'tar';
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) return 'gzip';
  if (looksLikeFat(bytes)) return 'fat';
  if (looksLikeMbrDisk(bytes)) return 'disk';
  return undefined;
}
