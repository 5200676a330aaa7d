import { ImagesError } from '../errors.js';
import { utcParts } from '../util/time.js';

// Directory entries (FAT32 spec §6, §7). Short (8.3) entry, 32 bytes:
//   0 Name(11)  11 Attr  12 NTRes (0x08 base lower case, 0x10 extension lower case)
//   13 CrtTimeTenth  14 CrtTime(2)  16 CrtDate(2)  18 LstAccDate(2)  20 FstClusHI(2)
//   22 WrtTime(2)  24 WrtDate(2)  26 FstClusLO(2)  28 FileSize(4)
// Long-name (VFAT LFN) entry, 32 bytes, stored in reverse order before its short entry:
//   0 Ord (0x40 on the last)  1 Name1 (5 UTF-16LE)  11 Attr 0x0F  12 Type 0  13 Chksum
//   14 Name2 (6 UTF-16LE)  26 FstClusLO 0  28 Name3 (2 UTF-16LE)

export const ATTR_READ_ONLY = 0x01;
export const ATTR_VOLUME_ID = 0x08;
export const ATTR_DIRECTORY = 0x10;
export const ATTR_ARCHIVE = 0x20;
export const ATTR_LFN = 0x0f;
export const ENTRY = 32;

const SHORT_CHARS = /^[A-Z0-9!#$%&'()\-@^_`{}~]+$/;
const LFN_FORBIDDEN = /[\\/:*?"<>|\x00-\x1f]/;

export interface ShortName {
  /** 11 bytes: base padded to 8, extension padded to 3. */
  raw: Buffer;
  ntres: number;
  /** Whether long-name entries must precede the short entry. */
  needsLfn: boolean;
}

function caseOf(s: string): 'lower' | 'upper' | 'mixed' | 'none' {
  const lower = /[a-z]/.test(s);
  const upper = /[A-Z]/.test(s);
  return lower && upper ? 'mixed' : lower ? 'lower' : upper ? 'upper' : 'none';
}

function raw(base: string, ext: string): Buffer {
  return Buffer.from(base.padEnd(8, ' ') + ext.padEnd(3, ' '), 'latin1');
}

/**
 * The short name of `name` in a directory whose short names so far are `taken` (upper-case
 * 11-byte keys, updated here). A name that is a valid 8.3 name in one case per part is
 * stored as is (with the NTRes case flags, as Linux and mtools do); any other name gets an
 * LFN and a numeric-tail short name (".ucernvm_boot_loader" -> "UCERNV~1").
 */
export function shortNameFor(name: string, taken: Set<string>): ShortName {
  if (name.length > 255 || LFN_FORBIDDEN.test(name) || /^[. ]+$/.test(name) || /[ .]$/.test(name)) {
    throw new ImagesError(
      'FAT_BAD_NAME',
      `${JSON.stringify(name)} cannot be a FAT file name`,
      'FAT names are at most 255 characters, without \\ / : * ? " < > | or control characters, and do not end in a dot or space',
    );
  }
  const dot = name.lastIndexOf('.');
  const base = dot > 0 ? name.slice(0, dot) : name;
  const ext = dot > 0 ? name.slice(dot + 1) : '';
  const bc = caseOf(base);
  const ec = caseOf(ext);
  if (
    base.length >= 1 &&
    base.length <= 8 &&
    ext.length <= 3 &&
    (dot === -1 || (dot > 0 && ext.length > 0)) &&
    SHORT_CHARS.test(base.toUpperCase()) &&
    (ext === '' || SHORT_CHARS.test(ext.toUpperCase())) &&
    bc !== 'mixed' &&
    ec !== 'mixed'
  ) {
    const r = raw(base.toUpperCase(), ext.toUpperCase());
    const key = r.toString('latin1');
    if (!taken.has(key)) {
      taken.add(key);
      return {
        raw: r,
        ntres: (bc === 'lower' ? 0x08 : 0) | (ec === 'lower' ? 0x10 : 0),
        needsLfn: false,
      };
    }
  }
  // Numeric-tail basis name (Microsoft spec §7.4, as mtools and Windows do it).
  const clean = (s: string) =>
    s
      .toUpperCase()
      .replace(/[ .]/g, '')
      .replace(/[^A-Z0-9!#$%&'()\-@^_`{}~]/g, '_');
  const stripped = name.replace(/^[. ]+/, '');
  const sdot = stripped.lastIndexOf('.');
  const sbase = clean(sdot > 0 ? stripped.slice(0, sdot) : stripped) || '_';
  const sext = clean(sdot > 0 ? stripped.slice(sdot + 1) : '').slice(0, 3);
  for (let n = 1; n < 1_000_000; n++) {
    const tail = `~${n}`;
    const r = raw(sbase.slice(0, 8 - tail.length) + tail, sext);
    const key = r.toString('latin1');
    if (!taken.has(key)) {
      taken.add(key);
      return { raw: r, ntres: 0, needsLfn: true };
    }
  }
  throw new ImagesError(
    'FAT_NAME_CLASH',
    `no free short name for ${JSON.stringify(name)}`,
    'use fewer similar names in one directory',
  );
}

/** LFN checksum of the 11-byte short name (spec §7.2). */
export function lfnChecksum(short: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < 11; i++) sum = (((sum & 1) << 7) + (sum >> 1) + short[i]!) & 0xff;
  return sum;
}

/** The LFN entries for `name`, in on-disk order (highest ordinal first). */
export function lfnEntries(name: string, short: Uint8Array): Buffer[] {
  const units: number[] = [];
  for (let i = 0; i < name.length; i++) units.push(name.charCodeAt(i));
  const count = Math.ceil(units.length / 13);
  if (units.length % 13 !== 0) units.push(0);
  while (units.length < count * 13) units.push(0xffff);
  const sum = lfnChecksum(short);
  const out: Buffer[] = [];
  for (let k = count; k >= 1; k--) {
    const e = Buffer.alloc(ENTRY);
    e[0] = k | (k === count ? 0x40 : 0);
    e[11] = ATTR_LFN;
    e[13] = sum;
    const part = units.slice((k - 1) * 13, k * 13);
    const offs = [1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30];
    offs.forEach((o, i) => {
      e.writeUInt16LE(part[i]!, o);
    });
    out.push(e);
  }
  return out;
}

/** DOS date and time of an epoch, in UTC (FAT has no zone; UTC keeps builds host-independent). */
export function dosDateTime(epoch: number): { date: number; time: number } {
  const p = utcParts(Math.max(epoch, 315532800)); // FAT cannot go before 1980-01-01
  return {
    date: ((p.year - 1980) << 9) | (p.month << 5) | p.day,
    time: (p.hour << 11) | (p.minute << 5) | (p.second >> 1),
  };
}

export function shortEntry(o: {
  raw: Uint8Array;
  attr: number;
  ntres?: number;
  cluster: number;
  size: number;
  epoch: number;
}): Buffer {
  const e = Buffer.alloc(ENTRY);
  e.set(o.raw.subarray(0, 11), 0);
  e[11] = o.attr;
  e[12] = o.ntres ?? 0;
  const { date, time } = dosDateTime(o.epoch);
  e.writeUInt16LE(time, 14);
  e.writeUInt16LE(date, 16);
  e.writeUInt16LE(date, 18);
  e.writeUInt16LE((o.cluster >>> 16) & 0xffff, 20);
  e.writeUInt16LE(time, 22);
  e.writeUInt16LE(date, 24);
  e.writeUInt16LE(o.cluster & 0xffff, 26);
  e.writeUInt32LE(o.size >>> 0, 28);
  return e;
}

export interface DirEntry {
  name: string;
  shortName: string;
  attr: number;
  cluster: number;
  size: number;
  date: number;
  time: number;
}

/** Decodes a directory's bytes into entries (LFN assembled, ".", ".." and labels skipped). */
export function parseDirectory(bytes: Uint8Array): DirEntry[] {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: DirEntry[] = [];
  let lfn: string[] = [];
  let lfnSum = -1;
  for (let o = 0; o + ENTRY <= b.length; o += ENTRY) {
    const first = b[o]!;
    if (first === 0x00) break;
    if (first === 0xe5) {
      lfn = [];
      continue;
    }
    const attr = b[o + 11]!;
    if (attr === ATTR_LFN) {
      const units: number[] = [];
      for (const p of [1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30])
        units.push(b.readUInt16LE(o + p));
      const end = units.indexOf(0);
      const part = String.fromCharCode(...(end === -1 ? units : units.slice(0, end)));
      if (first & 0x40) lfn = [];
      lfn[(first & 0x1f) - 1] = part;
      lfnSum = b[o + 13]!;
      continue;
    }
    const rawName = b.subarray(o, o + 11);
    if (attr & ATTR_VOLUME_ID || rawName[0] === 0x2e) {
      lfn = [];
      continue;
    }
    const ntres = b[o + 12]!;
    let base = rawName.toString('latin1', 0, 8).trimEnd();
    let ext = rawName.toString('latin1', 8, 11).trimEnd();
    const shortName = ext ? `${base}.${ext}` : base;
    if (ntres & 0x08) base = base.toLowerCase();
    if (ntres & 0x10) ext = ext.toLowerCase();
    const name =
      lfn.length && lfnSum === lfnChecksum(rawName) ? lfn.join('') : ext ? `${base}.${ext}` : base;
    lfn = [];
    out.push({
      name,
      shortName,
      attr,
      cluster: b.readUInt16LE(o + 20) * 0x10000 + b.readUInt16LE(o + 26),
      size: b.readUInt32LE(o + 28),
      date: b.readUInt16LE(o + 24),
      time: b.readUInt16LE(o + 22),
    });
  }
  return out;
}
