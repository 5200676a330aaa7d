import { ImagesError } from '../errors.js';
import { deriveBytes } from '../util/ids.js';

// VirtualBox VDI header (qemu block/vdi.c `VdiHeader`, little-endian), only what ucvm touches:
// qemu-img writes a random image UUID and last-snapshot UUID on every conversion, so two
// builds would differ in exactly these 32 bytes. They are replaced with UUIDs derived from
// the input (build.md §7); qemu-img has no option to pass them. No checksum covers them.

const VDI_SIGNATURE = 0xbeda107f; // 0x40 signature
const UUID_IMAGE = 0x188; // uuid_image[16]
const UUID_LAST_SNAP = 0x198; // uuid_last_snap[16]
const UUID_LINK = 0x1a8; // uuid_link[16]: zero (no parent)
const UUID_PARENT = 0x1b8; // uuid_parent[16]: zero

/** A version-4-shaped UUID in VirtualBox's little-endian GUID byte order, derived from a seed. */
function derivedUuid(seed: string, purpose: string): Uint8Array {
  const u = deriveBytes(seed, purpose).subarray(0, 16);
  u[7] = ((u[7] ?? 0) & 0x0f) | 0x40; // data3 (LE) high nibble: version 4
  u[8] = ((u[8] ?? 0) & 0x3f) | 0x80; // RFC 4122 variant
  return new Uint8Array(u);
}

function checkVdi(bytes: Uint8Array): DataView {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  if (bytes.length < 0x200 || v.getUint32(0x40, true) !== VDI_SIGNATURE) {
    throw new ImagesError(
      'VDI_BAD_HEADER',
      'not a VDI image (no signature 0xbeda107f at offset 0x40)',
      'pass the output of qemu-img convert -O vdi',
      1,
    );
  }
  return v;
}

export interface VdiIds {
  image: Uint8Array;
  lastSnapshot: Uint8Array;
  link: Uint8Array;
  parent: Uint8Array;
}

export function readVdiIds(bytes: Uint8Array): VdiIds {
  checkVdi(bytes);
  const at = (o: number) => new Uint8Array(bytes.subarray(o, o + 16));
  return {
    image: at(UUID_IMAGE),
    lastSnapshot: at(UUID_LAST_SNAP),
    link: at(UUID_LINK),
    parent: at(UUID_PARENT),
  };
}

/** Sets the image and last-snapshot UUIDs (in place) to ones derived from `seed`. */
export function setVdiIds(bytes: Uint8Array, seed: string): Uint8Array {
  checkVdi(bytes);
  bytes.set(derivedUuid(seed, 'vdi-uuid-image'), UUID_IMAGE);
  bytes.set(derivedUuid(seed, 'vdi-uuid-last-snap'), UUID_LAST_SNAP);
  return bytes;
}
