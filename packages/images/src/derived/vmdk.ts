import { ImagesError } from '../errors.js';
import { deriveU32 } from '../util/ids.js';

// VMware stream-optimised VMDK (VMware "Virtual Disk Format 5.0"): the sparse extent header
// (magic "KDMV" at 0), then the embedded plain-text descriptor at `descriptorOffset` sectors
// (header offset 28, u64 LE) of `descriptorSize` sectors (offset 36). qemu-img writes a random
// content id (`CID=%08x`) there on every conversion; ucvm replaces it with one derived from the
// input (build.md §7). The descriptor also names the extent file, so the conversion runs under
// the product's final file name. No checksum covers the descriptor.

const MAGIC = 0x564d444b; // "KDMV" read as a little-endian u32

export interface VmdkDescriptor {
  text: string;
  offset: number;
  length: number;
}

export function readVmdkDescriptor(bytes: Uint8Array): VmdkDescriptor {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  if (bytes.length < 512 || v.getUint32(0, true) !== MAGIC) {
    throw new ImagesError(
      'VMDK_BAD_HEADER',
      'not a sparse VMDK (no magic "KDMV" at offset 0)',
      'pass the output of qemu-img convert -O vmdk -o subformat=streamOptimized',
      1,
    );
  }
  const offset = Number(v.getBigUint64(28, true)) * 512; // 28 descriptorOffset (sectors)
  const length = Number(v.getBigUint64(36, true)) * 512; // 36 descriptorSize (sectors)
  if (offset === 0 || offset + length > bytes.length) {
    throw new ImagesError('VMDK_BAD_HEADER', 'VMDK has no embedded descriptor', undefined, 1);
  }
  const raw = Buffer.from(bytes.buffer, bytes.byteOffset + offset, length).toString('latin1');
  const end = raw.indexOf('\0');
  return { text: end < 0 ? raw : raw.slice(0, end), offset, length };
}

/**
 * Sets the descriptor's `CID=` to an 8-hex-digit id derived from `seed`. qemu-img prints the
 * random id without zero padding (`CID=%x`), so the line may be shorter than 8 digits: the
 * descriptor text is rewritten as a whole and its NUL padding refilled.
 */
export function setVmdkCid(bytes: Uint8Array, seed: string): Uint8Array {
  const d = readVmdkDescriptor(bytes);
  if (!/^CID=[0-9a-f]{1,8}$/m.test(d.text)) {
    throw new ImagesError('VMDK_NO_CID', 'VMDK descriptor has no CID=<hex> line', undefined, 1);
  }
  let cid = deriveU32(seed, 'vmdk-cid');
  if (cid === 0xffffffff) cid -= 1; // ffffffff means "no parent" in parentCID
  const text = d.text.replace(/^CID=[0-9a-f]{1,8}$/m, `CID=${cid.toString(16).padStart(8, '0')}`);
  const encoded = Buffer.from(text, 'latin1');
  if (encoded.length > d.length) {
    throw new ImagesError('VMDK_BAD_HEADER', 'VMDK descriptor does not fit its area', undefined, 1);
  }
  bytes.fill(0, d.offset, d.offset + d.length);
  bytes.set(encoded, d.offset);
  return bytes;
}
