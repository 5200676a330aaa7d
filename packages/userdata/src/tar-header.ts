// One 512-byte tar header block: POSIX.1-2001 ustar (pax "ustar Interchange Format") and the
// GNU variant (magic "ustar  \0", no prefix field). Used by the inject check (userdata.md §8).

export const BLOCK = 512;

export interface TarHeader {
  /** name, joined with the ustar prefix field; bytes up to the first NUL. */
  name: Uint8Array;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  /** The typeflag byte (0x00 and '0' are both regular files). */
  typeflag: number;
  linkname: Uint8Array;
}

// Field offsets and lengths (POSIX.1-2001 pax, Table "ustar Header Block").
const NAME = [0, 100] as const;
const MODE = [100, 8] as const;
const UID = [108, 8] as const;
const GID = [116, 8] as const;
const SIZE = [124, 12] as const;
const MTIME = [136, 12] as const;
const CHKSUM = [148, 8] as const;
const TYPEFLAG = 156;
const LINKNAME = [157, 100] as const;
const MAGIC = [257, 8] as const; // magic[6] + version[2]
// 265 uname[32], 297 gname[32], 329 devmajor[8], 337 devminor[8] are not needed.
const PREFIX = [345, 155] as const; // ustar only; GNU keeps atime/ctime/sparse data here

const field = (block: Uint8Array, [offset, length]: readonly [number, number]): Uint8Array =>
  block.subarray(offset, offset + length);

/** Bytes up to the first NUL. */
export function cString(bytes: Uint8Array): Uint8Array {
  const nul = bytes.indexOf(0);
  return nul < 0 ? bytes : bytes.subarray(0, nul);
}

const POSIX_MAGIC = [0x75, 0x73, 0x74, 0x61, 0x72, 0x00]; // "ustar\0", version "00"
const GNU_MAGIC = [0x75, 0x73, 0x74, 0x61, 0x72, 0x20, 0x20, 0x00]; // "ustar  \0"

/**
 * A numeric field: octal digits (leading spaces allowed, ended by NUL or space, the rest
 * NUL/space) or GNU base-256 (top bit of the first byte set, next bit the sign).
 * Returns null when the field is malformed or the value is not a safe integer.
 */
export function parseNumeric(bytes: Uint8Array): number | null {
  return parseNumericAt(bytes, 0, bytes.length);
}

/** {@link parseNumeric} of `block[offset, offset + length)` without a subarray per field. */
function parseNumericAt(block: Uint8Array, offset: number, length: number): number | null {
  const end = offset + length;
  const first = block[offset];
  if (first !== undefined && first & 0x80) {
    const negative = (first & 0x40) !== 0;
    let value = BigInt(first & 0x3f) - (negative ? 0x40n : 0n);
    for (let i = offset + 1; i < end; i++) value = value * 256n + BigInt(block[i] as number);
    if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER))
      return null;
    return Number(value);
  }
  let i = offset;
  while (i < end && block[i] === 0x20) i++;
  let value = 0;
  for (; i < end; i++) {
    const c = block[i] as number;
    if (c < 0x30 || c > 0x37) break;
    value = value * 8 + (c - 0x30);
  }
  for (; i < end; i++) if (block[i] !== 0 && block[i] !== 0x20) return null;
  return Number.isSafeInteger(value) ? value : null;
}

export const isZeroBlock = (block: Uint8Array): boolean => block.every((b) => b === 0);

/** Header checksum: unsigned (POSIX) or signed (some old writers) sum with chksum as spaces. */
function checksumMatches(block: Uint8Array): boolean {
  const stored = parseNumericAt(block, ...CHKSUM);
  if (stored === null) return false;
  let unsigned = 0;
  let high = 0; // bytes > 0x7f count 256 less in the signed sum
  for (let i = 0; i < BLOCK; i++) {
    const b = block[i] as number;
    unsigned += b;
    if (b > 0x7f) high++;
  }
  for (let i = CHKSUM[0]; i < CHKSUM[0] + CHKSUM[1]; i++) {
    const b = block[i] as number;
    unsigned += 0x20 - b;
    if (b > 0x7f) high--;
  }
  return stored === unsigned || stored === unsigned - 256 * high;
}

/** Parses a non-zero header block; null when it is not a valid ustar or GNU header. */
export function parseHeader(block: Uint8Array): TarHeader | null {
  const posix = POSIX_MAGIC.every((b, i) => block[MAGIC[0] + i] === b);
  const gnu = GNU_MAGIC.every((b, i) => block[MAGIC[0] + i] === b);
  if ((!posix && !gnu) || !checksumMatches(block)) return null;
  const mode = parseNumericAt(block, ...MODE);
  const uid = parseNumericAt(block, ...UID);
  const gid = parseNumericAt(block, ...GID);
  const size = parseNumericAt(block, ...SIZE);
  const mtime = parseNumericAt(block, ...MTIME);
  if (mode === null || uid === null || gid === null || size === null || mtime === null) return null;
  if (size < 0) return null;
  let name = cString(field(block, NAME));
  const prefix = posix ? cString(field(block, PREFIX)) : new Uint8Array(0);
  if (prefix.length > 0) name = Uint8Array.from([...prefix, 0x2f, ...name]);
  return {
    name,
    mode,
    uid,
    gid,
    size,
    mtime,
    typeflag: block[TYPEFLAG] as number,
    linkname: cString(field(block, LINKNAME)),
  };
}
