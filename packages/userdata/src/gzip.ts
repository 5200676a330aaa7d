// Whole-payload and leaf gunzip (userdata.md §4.2, §4.3 item 6); RFC 1952 member layout.
import { inflateRawSync } from 'node:zlib';

const FTEXT_RESERVED = 0xe0; // FLG bits 5–7 must be zero
const FHCRC = 0x02;
const FEXTRA = 0x04;
const FNAME = 0x08;
const FCOMMENT = 0x10;

export const isGzip = (bytes: Uint8Array): boolean => bytes[0] === 0x1f && bytes[1] === 0x8b;

/**
 * Decompresses one or more concatenated gzip members. Trailing zero bytes are tolerated (as
 * gzip(1) does); anything else after the last member, a corrupt or truncated member, a CRC or
 * ISIZE mismatch, or more than `limit` output bytes gives null.
 */
export function gunzip(bytes: Uint8Array, limit: number): Uint8Array | null {
  const parts: Uint8Array[] = [];
  let total = 0;
  let pos = 0;
  try {
    let done = false;
    while (!done) {
      const member = inflateMember(bytes, pos, limit - total);
      if (member === null) return null;
      parts.push(member.data);
      total += member.data.length;
      if (total > limit) return null;
      pos = member.end;
      done = bytes.subarray(pos).every((b) => b === 0); // end, or trailing zeros only
    }
  } catch {
    return null;
  }
  return parts.length === 1 ? (parts[0] as Uint8Array) : Buffer.concat(parts);
}

/** One member at `start`: header (offsets per RFC 1952 §2.3), raw deflate, CRC32 + ISIZE trailer. */
function inflateMember(
  bytes: Uint8Array,
  start: number,
  remaining: number,
): { data: Uint8Array; end: number } | null {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (start + 10 > bytes.length) return null;
  // 0 ID1, 1 ID2, 2 CM, 3 FLG, 4–7 MTIME, 8 XFL, 9 OS
  if (bytes[start] !== 0x1f || bytes[start + 1] !== 0x8b || bytes[start + 2] !== 8) return null;
  const flg = bytes[start + 3] as number;
  if (flg & FTEXT_RESERVED) return null;
  let p = start + 10;
  if (flg & FEXTRA) {
    if (p + 2 > bytes.length) return null;
    p += 2 + view.getUint16(p, true); // XLEN, then XLEN bytes
  }
  for (const flag of [FNAME, FCOMMENT]) {
    if (!(flg & flag)) continue;
    while (p < bytes.length && bytes[p] !== 0) p++;
    p++; // zero terminator
  }
  if (flg & FHCRC) p += 2;
  if (p > bytes.length) return null;
  const { buffer, engine } = inflateRawSync(bytes.subarray(p), {
    info: true,
    maxOutputLength: Math.max(1, remaining),
  }) as unknown as { buffer: Buffer; engine: { bytesWritten: number } };
  p += engine.bytesWritten;
  if (p + 8 > bytes.length) return null;
  if (view.getUint32(p, true) !== crc32(buffer)) return null;
  if (view.getUint32(p + 4, true) !== buffer.length % 2 ** 32) return null;
  return { data: buffer, end: p + 8 };
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = (CRC_TABLE[(c ^ b) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
