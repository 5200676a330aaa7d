import { readVhdFooter } from '../derived/vhd.js';
import { readVmdkDescriptor } from '../derived/vmdk.js';
import { ImagesError } from '../errors.js';
import type { ContainerInfo } from './types.js';

// Header fields of the virtual-disk containers ucvm writes (build.md §1 derived formats),
// read without converting: enough to show the virtual size and the ids. The disk content is
// read by converting to raw (qemu-raw.ts), except for a fixed VHD, which IS raw + footer.
// qcow2 header (qemu docs/interop/qcow2.txt, big-endian):
//   0 magic "QFI\xfb"  4 version  8 backing_file_offset (8)  16 backing_file_size  20
//   cluster_bits  24 size (8)  32 crypt_method  36 l1_size  ... v3: 72 incompatible_features (8)
// VDI header (qemu block/vdi.c VdiHeader, little-endian):
//   0x40 signature  0x44 version  0x4C image_type (1 dynamic, 2 static)  0x158 offset_data
//   0x170 disk_size (8)  0x178 block_size  0x17C block_extra  0x180 blocks_in_image  0x184 blocks_allocated  0x188 uuid_image (16)
// VMDK sparse extent header (VMware Virtual Disk Format 5.0, little-endian):
//   0 "KDMV"  4 version  8 flags  12 capacity (8, sectors)  20 grainSize (8, sectors)
//   28 descriptorOffset (8)  36 descriptorSize (8)  ...  77 compressAlgorithm (2, 1 = deflate)

const need = (bytes: Uint8Array, n: number, what: string) => {
  if (bytes.length < n) {
    throw new ImagesError(
      'INSPECT_TRUNCATED',
      `${what} header needs ${n} bytes; the file has ${bytes.length}`,
      'the file was cut: copy or download it again',
      1,
    );
  }
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
};

/** Mixed-endian GUID text of 16 bytes as VirtualBox and Microsoft store them. */
function guid(b: Uint8Array): string {
  const x = Buffer.from(b);
  const h = (s: number, e: number) => x.subarray(s, e).toString('hex');
  const le = (s: number, e: number) => Buffer.from(x.subarray(s, e)).reverse().toString('hex');
  return `${le(0, 4)}-${le(4, 6)}-${le(6, 8)}-${h(8, 10)}-${h(10, 16)}`;
}

export function qcow2Info(bytes: Uint8Array): ContainerInfo {
  const b = need(bytes, 104, 'qcow2');
  const version = b.readUInt32BE(4);
  const fields: ContainerInfo['fields'] = {
    version,
    clusterBytes: 2 ** b.readUInt32BE(20),
    encrypted: b.readUInt32BE(32) !== 0,
    backingFile: b.readBigUInt64BE(8) !== 0n,
  };
  if (version >= 3) fields.incompatibleFeatures = `0x${b.readBigUInt64BE(72).toString(16)}`;
  return { format: 'qcow2', virtualSize: Number(b.readBigUInt64BE(24)), fields };
}

export function vdiInfo(bytes: Uint8Array): ContainerInfo {
  const b = need(bytes, 0x1c8, 'VDI');
  const type = b.readUInt32LE(0x4c);
  // 0x158 offset_data: allocated blocks follow it, each block_size (+ block_extra) bytes.
  const end =
    b.readUInt32LE(0x158) + b.readUInt32LE(0x184) * (b.readUInt32LE(0x178) + b.readUInt32LE(0x17c));
  if (end > bytes.length) {
    throw new ImagesError(
      'INSPECT_TRUNCATED',
      `the VDI's ${b.readUInt32LE(0x184)} allocated blocks end at byte ${end}; the file has ${bytes.length}`,
      'the file was cut: copy or download it again',
      1,
    );
  }
  return {
    format: 'vdi',
    virtualSize: Number(b.readBigUInt64LE(0x170)),
    fields: {
      version: `${b.readUInt16LE(0x46)}.${b.readUInt16LE(0x44)}`,
      type: type === 1 ? 'dynamic' : type === 2 ? 'static' : `type ${type}`,
      blockBytes: b.readUInt32LE(0x178),
      blocksAllocated: b.readUInt32LE(0x184),
      blocksInImage: b.readUInt32LE(0x180),
      uuid: guid(b.subarray(0x188, 0x198)),
    },
  };
}

export function vmdkInfo(bytes: Uint8Array): ContainerInfo {
  const b = need(bytes, 512, 'VMDK');
  const d = readVmdkDescriptor(bytes);
  const field = (k: string) => new RegExp(`^${k}="?([^"\\n]*)"?$`, 'm').exec(d.text)?.[1];
  const fields: ContainerInfo['fields'] = {
    version: b.readUInt32LE(4),
    grainBytes: Number(b.readBigUInt64LE(20)) * 512,
    compressed: b.readUInt16LE(77) === 1,
  };
  for (const k of ['createType', 'CID', 'parentCID']) {
    const v = field(k);
    if (v !== undefined) fields[k] = v;
  }
  return { format: 'vmdk', virtualSize: Number(b.readBigUInt64LE(12)) * 512, fields };
}

export function vhdInfo(bytes: Uint8Array): ContainerInfo {
  const f = readVhdFooter(bytes);
  const type = f.diskType === 2 ? 'fixed' : f.diskType === 3 ? 'dynamic' : `type ${f.diskType}`;
  const g = f.geometry;
  return {
    format: 'vhd',
    virtualSize: Number(f.currentSize),
    fields: {
      type,
      creator: `${f.creatorApplication.trim()} ${f.creatorVersion >>> 16}.${f.creatorVersion & 0xffff} (${f.creatorHostOs})`,
      geometry: `${g.cylinders}/${g.heads}/${g.sectorsPerTrack}`,
      checksumValid: f.checksumValid,
      uniqueId: Buffer.from(f.uniqueId).toString('hex'),
    },
  };
}
