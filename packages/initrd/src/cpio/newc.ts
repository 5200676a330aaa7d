import { InitrdError } from '../errors.js';

/**
 * cpio "newc" (SVR4 portable ASCII, magic 070701) writer and reader, as the kernel unpacks it
 * (Documentation/driver-api/early-userspace/buffer-format.rst). Every header is 110 ASCII bytes:
 *
 *   offset  size  field
 *        0     6  c_magic     "070701"
 *        6     8  c_ino       inode number (hex, like every field below)
 *       14     8  c_mode      file type and permission bits
 *       22     8  c_uid
 *       30     8  c_gid
 *       38     8  c_nlink
 *       46     8  c_mtime     seconds since the epoch
 *       54     8  c_filesize  bytes of data that follow the name
 *       62     8  c_devmajor  device holding the file (0 here)
 *       70     8  c_devminor
 *       78     8  c_rdevmajor device number of a character/block special file
 *       86     8  c_rdevminor
 *       94     8  c_namesize  length of the name including its NUL
 *      102     8  c_check     0 for newc
 *
 * then the name and its NUL, padded to a multiple of 4 counted from the header start, then the
 * data, padded to a multiple of 4. The archive ends with an entry named `TRAILER!!!`.
 *
 * Determinism (build.md §5): entries are sorted with parents before children, uid/gid are 0,
 * mtimes are clamped to SOURCE_DATE_EPOCH, and inode numbers are assigned in archive order.
 */

export const NEWC_MAGIC = '070701';
export const NEWC_HEADER_SIZE = 110;
export const NEWC_TRAILER = 'TRAILER!!!';

/** File type bits of c_mode (<sys/stat.h>). */
export const S_IFMT = 0o170000;
export const S_IFREG = 0o100000;
export const S_IFDIR = 0o040000;
export const S_IFLNK = 0o120000;
export const S_IFCHR = 0o020000;
export const S_IFBLK = 0o060000;

interface EntryBase {
  /** Path inside the archive, relative, '/'-separated, no '.' or '..' components. */
  path: string;
  /** Seconds since the epoch; clamped to SOURCE_DATE_EPOCH. Absent means SOURCE_DATE_EPOCH. */
  mtime?: number;
}

export type CpioEntry =
  | (EntryBase & { kind: 'file'; mode: number; data: Uint8Array })
  | (EntryBase & { kind: 'dir'; mode: number })
  | (EntryBase & { kind: 'symlink'; target: string })
  | (EntryBase & { kind: 'char' | 'block'; mode: number; major: number; minor: number })
  /** A second name for the regular file at `target` (an archive path): newc hard link. */
  | (EntryBase & { kind: 'hardlink'; target: string });

export interface WriteNewcOptions {
  sourceDateEpoch: number;
}

/** Splits and checks an archive path; the error names the entry and what is wrong with it. */
export function normalizeArchivePath(path: string): string {
  const parts = path.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.length === 0 || parts.some((p) => p === '..') || path.includes('\0')) {
    throw new InitrdError(
      'CPIO_BAD_ENTRY',
      `cpio entry path ${JSON.stringify(path)} is not a relative path inside the archive`,
      "use a path like 'bin/busybox' without '..' or NUL bytes",
      2,
    );
  }
  return parts.join('/');
}

/** Orders paths component by component (bytewise), so a directory precedes its contents. */
export function compareArchivePaths(a: string, b: string): number {
  const pa = a.split('/');
  const pb = b.split('/');
  const n = Math.min(pa.length, pb.length);
  for (let i = 0; i < n; i++) {
    const x = Buffer.from(pa[i] as string);
    const y = Buffer.from(pb[i] as string);
    const c = Buffer.compare(x, y);
    if (c !== 0) return c;
  }
  return pa.length - pb.length;
}

function parentOf(path: string): string | undefined {
  const i = path.lastIndexOf('/');
  return i < 0 ? undefined : path.slice(0, i);
}

/**
 * Sorted, parents-first entry list: normalises paths, adds missing parent directories
 * (0755, SOURCE_DATE_EPOCH) and rejects duplicates and dangling hard links.
 */
export function orderEntries(entries: readonly CpioEntry[]): CpioEntry[] {
  const byPath = new Map<string, CpioEntry>();
  for (const entry of entries) {
    const path = normalizeArchivePath(entry.path);
    if (byPath.has(path)) {
      throw new InitrdError(
        'CPIO_BAD_ENTRY',
        `cpio entry ${JSON.stringify(path)} appears twice`,
        'give every path once',
        2,
      );
    }
    const copy = { ...entry, path } as CpioEntry;
    if (copy.kind === 'hardlink') copy.target = normalizeArchivePath(copy.target);
    byPath.set(path, copy);
  }
  for (const path of [...byPath.keys()]) {
    for (let p = parentOf(path); p !== undefined; p = parentOf(p)) {
      const existing = byPath.get(p);
      if (existing === undefined) byPath.set(p, { kind: 'dir', path: p, mode: 0o755 });
      else if (existing.kind !== 'dir') {
        throw new InitrdError(
          'CPIO_BAD_ENTRY',
          `cpio entry ${JSON.stringify(path)} lies under ${JSON.stringify(p)}, which is a ${existing.kind}, not a directory`,
          'make the parent a directory entry',
          2,
        );
      }
    }
  }
  for (const entry of byPath.values()) {
    if (entry.kind === 'hardlink' && byPath.get(entry.target)?.kind !== 'file') {
      throw new InitrdError(
        'CPIO_BAD_ENTRY',
        `hard link ${JSON.stringify(entry.path)} points to ${JSON.stringify(entry.target)}, which is not a regular file of the archive`,
        'point hard links at a file entry',
        2,
      );
    }
  }
  return [...byPath.values()].sort((a, b) => compareArchivePaths(a.path, b.path));
}

interface HeaderFields {
  ino: number;
  mode: number;
  uid: number;
  gid: number;
  nlink: number;
  mtime: number;
  filesize: number;
  devmajor: number;
  devminor: number;
  rdevmajor: number;
  rdevminor: number;
  namesize: number;
  check: number;
}

const FIELD_ORDER: (keyof HeaderFields)[] = [
  'ino',
  'mode',
  'uid',
  'gid',
  'nlink',
  'mtime',
  'filesize',
  'devmajor',
  'devminor',
  'rdevmajor',
  'rdevminor',
  'namesize',
  'check',
];

const pad4 = (n: number): number => (4 - (n % 4)) % 4;

function encodeRecord(fields: HeaderFields, name: Buffer, data: Uint8Array): Buffer {
  let header = NEWC_MAGIC;
  for (const key of FIELD_ORDER) {
    const value = fields[key];
    if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
      throw new InitrdError(
        'CPIO_BAD_ENTRY',
        `cpio field ${key} of ${JSON.stringify(name.toString())} is ${value}, outside 0..0xffffffff`,
        'newc stores 32-bit fields; keep files under 4 GiB and times after 1970',
        2,
      );
    }
    header += value.toString(16).padStart(8, '0');
  }
  const namePad = pad4(NEWC_HEADER_SIZE + name.length + 1);
  const dataPad = pad4(data.length);
  const out = Buffer.alloc(NEWC_HEADER_SIZE + name.length + 1 + namePad + data.length + dataPad);
  out.write(header, 0, 'latin1');
  name.copy(out, NEWC_HEADER_SIZE);
  out.set(data, NEWC_HEADER_SIZE + name.length + 1 + namePad);
  return out;
}

/** Serialises entries into a newc archive; the same entries always give the same bytes. */
export function writeNewc(entries: readonly CpioEntry[], options: WriteNewcOptions): Uint8Array {
  const epoch = options.sourceDateEpoch;
  if (!Number.isInteger(epoch) || epoch < 0) {
    throw new InitrdError(
      'CPIO_BAD_ENTRY',
      `SOURCE_DATE_EPOCH ${epoch} is not a non-negative integer`,
      'pass whole seconds since 1970',
      2,
    );
  }
  const ordered = orderEntries(entries);

  // Hard-link groups: the file and every name pointing at it share one inode; the data
  // travels with the last member in archive order (GNU cpio's newc convention, which the
  // kernel's maybe_link()/O_TRUNC logic in init/initramfs.c expects).
  const groupOf = new Map<string, string>();
  const groupSize = new Map<string, number>();
  const lastMember = new Map<string, string>();
  const subdirs = new Map<string, number>();
  for (const e of ordered) {
    const key = e.kind === 'hardlink' ? e.target : e.kind === 'file' ? e.path : undefined;
    if (key !== undefined) {
      groupOf.set(e.path, key);
      groupSize.set(key, (groupSize.get(key) ?? 0) + 1);
      lastMember.set(key, e.path);
    }
    const parent = parentOf(e.path);
    if (e.kind === 'dir' && parent !== undefined)
      subdirs.set(parent, (subdirs.get(parent) ?? 0) + 1);
  }

  const files = new Map<string, { data: Uint8Array; mode: number }>();
  for (const e of ordered) if (e.kind === 'file') files.set(e.path, e);

  const chunks: Buffer[] = [];
  const inodeOfGroup = new Map<string, number>();
  let nextIno = 1;
  for (const e of ordered) {
    const mtime = Math.max(0, Math.min(Math.floor(e.mtime ?? epoch), epoch));
    const base = {
      uid: 0,
      gid: 0,
      mtime,
      devmajor: 0,
      devminor: 0,
      rdevmajor: 0,
      rdevminor: 0,
      check: 0,
    };
    const name = Buffer.from(e.path, 'utf8');
    const namesize = name.length + 1;
    let ino: number;
    const group = groupOf.get(e.path);
    if (group !== undefined) {
      const known = inodeOfGroup.get(group);
      ino = known ?? nextIno++;
      inodeOfGroup.set(group, ino);
    } else {
      ino = nextIno++;
    }
    switch (e.kind) {
      case 'file':
      case 'hardlink': {
        const key = group as string;
        const file = files.get(key) as { data: Uint8Array; mode: number };
        const data = lastMember.get(key) === e.path ? file.data : new Uint8Array(0);
        const mode = file.mode;
        chunks.push(
          encodeRecord(
            {
              ...base,
              ino,
              mode: S_IFREG | (mode & 0o7777),
              nlink: groupSize.get(key) ?? 1,
              filesize: data.length,
              namesize,
            },
            name,
            data,
          ),
        );
        break;
      }
      case 'dir':
        chunks.push(
          encodeRecord(
            {
              ...base,
              ino,
              mode: S_IFDIR | (e.mode & 0o7777),
              nlink: 2 + (subdirs.get(e.path) ?? 0),
              filesize: 0,
              namesize,
            },
            name,
            new Uint8Array(0),
          ),
        );
        break;
      case 'symlink': {
        const data = Buffer.from(e.target, 'utf8');
        chunks.push(
          encodeRecord(
            { ...base, ino, mode: S_IFLNK | 0o777, nlink: 1, filesize: data.length, namesize },
            name,
            data,
          ),
        );
        break;
      }
      case 'char':
      case 'block':
        chunks.push(
          encodeRecord(
            {
              ...base,
              ino,
              mode: (e.kind === 'char' ? S_IFCHR : S_IFBLK) | (e.mode & 0o7777),
              nlink: 1,
              filesize: 0,
              namesize,
              rdevmajor: e.major,
              rdevminor: e.minor,
            },
            name,
            new Uint8Array(0),
          ),
        );
        break;
    }
  }
  const trailer = Buffer.from(NEWC_TRAILER, 'latin1');
  chunks.push(
    encodeRecord(
      {
        ino: 0,
        mode: 0,
        uid: 0,
        gid: 0,
        nlink: 1,
        mtime: 0,
        filesize: 0,
        devmajor: 0,
        devminor: 0,
        rdevmajor: 0,
        rdevminor: 0,
        namesize: trailer.length + 1,
        check: 0,
      },
      trailer,
      new Uint8Array(0),
    ),
  );
  return Buffer.concat(chunks);
}

/** One record as stored, for tests and `ucvm inspect`. */
export interface NewcRecord extends HeaderFields {
  name: string;
  data: Uint8Array;
  /** Byte offset of the header in the archive. */
  offset: number;
}

/** Parses a newc archive up to and excluding its trailer. */
export function readNewc(bytes: Uint8Array): NewcRecord[] {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const records: NewcRecord[] = [];
  let off = 0;
  for (;;) {
    if (off + NEWC_HEADER_SIZE > buf.length) {
      throw new InitrdError(
        'CPIO_BAD_ARCHIVE',
        `cpio archive ends at byte ${buf.length} without a ${NEWC_TRAILER} record`,
        'the file is truncated or not a newc archive',
      );
    }
    const magic = buf.toString('latin1', off, off + 6);
    if (magic !== NEWC_MAGIC) {
      throw new InitrdError(
        'CPIO_BAD_ARCHIVE',
        `cpio header at byte ${off} has magic ${JSON.stringify(magic)}, expected ${NEWC_MAGIC}`,
        'only the newc format is read (decompress the initrd first)',
      );
    }
    const fields = {} as HeaderFields;
    FIELD_ORDER.forEach((key, i) => {
      const text = buf.toString('latin1', off + 6 + i * 8, off + 14 + i * 8);
      if (!/^[0-9a-fA-F]{8}$/.test(text)) {
        throw new InitrdError(
          'CPIO_BAD_ARCHIVE',
          `cpio header at byte ${off}: field ${key} is ${JSON.stringify(text)}, not 8 hex digits`,
          'the archive is corrupt',
        );
      }
      fields[key] = Number.parseInt(text, 16);
    });
    const nameStart = off + NEWC_HEADER_SIZE;
    const nameEnd = nameStart + fields.namesize - 1;
    if (fields.namesize < 1 || nameEnd + 1 > buf.length || buf[nameEnd] !== 0) {
      throw new InitrdError(
        'CPIO_BAD_ARCHIVE',
        `cpio header at byte ${off}: name of ${fields.namesize} bytes is not NUL-terminated inside the archive`,
        'the archive is truncated or corrupt',
      );
    }
    const name = buf.toString('utf8', nameStart, nameEnd);
    const dataStart = nameEnd + 1 + pad4(NEWC_HEADER_SIZE + fields.namesize);
    if (dataStart + fields.filesize > buf.length) {
      throw new InitrdError(
        'CPIO_BAD_ARCHIVE',
        `cpio entry ${JSON.stringify(name)} claims ${fields.filesize} data bytes past the end of the archive`,
        'the archive is truncated',
      );
    }
    if (name === NEWC_TRAILER) return records;
    records.push({
      ...fields,
      name,
      data: buf.subarray(dataStart, dataStart + fields.filesize),
      offset: off,
    });
    off = dataStart + fields.filesize + pad4(fields.filesize);
  }
}
