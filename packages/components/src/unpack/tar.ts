import { type ArchiveEntry, EMPTY, type EntryType } from './entry.js';
import { HINT_CORRUPT, UnpackError } from './errors.js';

const BLOCK = 512;
const utf8 = new TextDecoder('utf-8');

// POSIX ustar header (POSIX.1-1988, pax: POSIX.1-2001), offsets in bytes:
// name[100] @0, mode[8] @100, uid[8] @108, gid[8] @116, size[12] @124, mtime[12] @136,
// chksum[8] @148, typeflag[1] @156, linkname[100] @157, magic[6] @257, version[2] @263,
// uname[32] @265, gname[32] @297, devmajor[8] @329, devminor[8] @337, prefix[155] @345.

function cString(bytes: Uint8Array, start: number, length: number): string {
  const view = bytes.subarray(start, start + length);
  const nul = view.indexOf(0);
  return utf8.decode(nul < 0 ? view : view.subarray(0, nul));
}

/** Octal field, or GNU base-256 when the high bit of the first byte is set. */
function numeric(bytes: Uint8Array, start: number, length: number): number {
  const first = bytes[start] ?? 0;
  if (first & 0x80) {
    let value = first & 0x7f;
    for (let i = 1; i < length; i++) value = value * 256 + (bytes[start + i] ?? 0);
    return value;
  }
  const text = cString(bytes, start, length).trim();
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) return Number.NaN;
  return Number.parseInt(text, 8);
}

function checksumOk(bytes: Uint8Array, at: number): boolean {
  const stored = numeric(bytes, at + 148, 8);
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const b = i >= 148 && i < 156 ? 0x20 : (bytes[at + i] ?? 0);
    unsigned += b;
    signed += b > 127 ? b - 256 : b;
  }
  return stored === unsigned || stored === signed;
}

function isZeroBlock(bytes: Uint8Array, at: number): boolean {
  for (let i = at; i < at + BLOCK; i++) if (bytes[i] !== 0) return false;
  return true;
}

/** True when `bytes` starts with something that parses as a tar header (used to sniff). */
export function looksLikeTar(bytes: Uint8Array): boolean {
  if (bytes.length < BLOCK) return false;
  if (cString(bytes, 257, 5) === 'ustar') return true;
  return !isZeroBlock(bytes, 0) && checksumOk(bytes, 0);
}

/** pax extended header records: "LEN key=value\n" (POSIX.1-2001 pax "x"/"g"). */
function parsePax(data: Uint8Array, archive: string, member: string): Map<string, string> {
  const records = new Map<string, string>();
  let at = 0;
  while (at < data.length) {
    const space = data.indexOf(0x20, at);
    const length =
      space < 0 ? Number.NaN : Number.parseInt(utf8.decode(data.subarray(at, space)), 10);
    if (!Number.isFinite(length) || length <= 0 || at + length > data.length) {
      throw new UnpackError(
        'UNPACK_MALFORMED',
        archive,
        member,
        `bad pax record at byte ${at}`,
        HINT_CORRUPT,
      );
    }
    const record = utf8.decode(data.subarray(space + 1, at + length - 1));
    const eq = record.indexOf('=');
    if (eq > 0) records.set(record.slice(0, eq), record.slice(eq + 1));
    at += length;
  }
  return records;
}

const TYPES: Record<string, EntryType> = {
  '0': 'file',
  '\0': 'file',
  '7': 'file',
  '1': 'hardlink',
  '2': 'symlink',
  '3': 'chardev',
  '4': 'blockdev',
  '5': 'dir',
  '6': 'fifo',
  D: 'dir', // GNU dump directory: a directory plus a listing we do not need
};

/**
 * Read every member of a tar archive held in memory: ustar, pax (`path`, `linkpath`, `size`
 * from "x" and "g" headers) and GNU (`L`/`K` long names, base-256 sizes). Sparse files and
 * multi-volume archives are refused. Stops at the first zero block (end-of-archive).
 */
export function readTar(bytes: Uint8Array, archive = 'archive'): ArchiveEntry[] {
  const entries: ArchiveEntry[] = [];
  const globalPax = new Map<string, string>();
  let pax = new Map<string, string>();
  let longName: string | undefined;
  let longLink: string | undefined;
  let at = 0;
  while (at + BLOCK <= bytes.length) {
    if (isZeroBlock(bytes, at)) break;
    const rawName = cString(bytes, at, 100);
    if (!checksumOk(bytes, at)) {
      throw new UnpackError(
        'UNPACK_MALFORMED',
        archive,
        rawName,
        `tar header checksum mismatch at offset ${at}`,
        HINT_CORRUPT,
      );
    }
    const typeflag = String.fromCharCode(bytes[at + 156] ?? 0);
    // The prefix field exists in POSIX ustar ("ustar\0"); GNU ("ustar  ") keeps times there.
    const isPosixUstar = cString(bytes, at + 257, 6) === 'ustar' && bytes[at + 262] === 0;
    const prefix = isPosixUstar ? cString(bytes, at + 345, 155) : '';
    const headerSize = numeric(bytes, at + 124, 12);
    const size = Number(pax.get('size') ?? globalPax.get('size') ?? headerSize);
    if (!Number.isSafeInteger(size) || size < 0) {
      throw new UnpackError(
        'UNPACK_MALFORMED',
        archive,
        rawName,
        `bad size field at offset ${at}`,
        HINT_CORRUPT,
      );
    }
    const dataStart = at + BLOCK;
    if (dataStart + size > bytes.length) {
      throw new UnpackError(
        'UNPACK_TRUNCATED',
        archive,
        rawName,
        `member data (${size} bytes) runs past the end of the archive`,
        HINT_CORRUPT,
      );
    }
    const data = bytes.subarray(dataStart, dataStart + size);
    at = dataStart + Math.ceil(size / BLOCK) * BLOCK;

    switch (typeflag) {
      case 'x':
        pax = parsePax(data, archive, rawName);
        continue;
      case 'g':
        for (const [k, v] of parsePax(data, archive, rawName)) globalPax.set(k, v);
        continue;
      case 'L':
        longName = cString(data, 0, data.length);
        continue;
      case 'K':
        longLink = cString(data, 0, data.length);
        continue;
      case 'V':
        pax = new Map();
        continue;
    }
    const name =
      pax.get('path') ??
      longName ??
      globalPax.get('path') ??
      (prefix ? `${prefix}/${rawName}` : rawName);
    const type = TYPES[typeflag];
    if (type === undefined) {
      throw new UnpackError(
        'UNPACK_UNSUPPORTED',
        archive,
        name,
        `tar member type ${JSON.stringify(typeflag)} is not supported`,
        'repack the archive without sparse or multi-volume members (plain ustar or pax)',
      );
    }
    const header = dataStart - BLOCK;
    const linkname =
      pax.get('linkpath') ??
      longLink ??
      globalPax.get('linkpath') ??
      cString(bytes, header + 157, 100);
    const mode = numeric(bytes, header + 100, 8);
    entries.push({
      name,
      type,
      mode: Number.isNaN(mode) ? 0o644 : mode & 0o7777,
      size: type === 'file' ? size : 0,
      linkname: type === 'symlink' || type === 'hardlink' ? linkname : '',
      data: type === 'file' ? data : EMPTY,
    });
    pax = new Map();
    longName = undefined;
    longLink = undefined;
  }
  return entries;
}
