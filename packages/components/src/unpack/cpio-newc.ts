import { type ArchiveEntry, EMPTY, type EntryType } from './entry.js';
import { HINT_CORRUPT, UnpackError } from './errors.js';

// SVR4 "newc" cpio header, 110 ASCII bytes, all numbers 8 hex digits:
// magic[6] @0 ("070701", or "070702" with checksum), ino @6, mode @14, uid @22, gid @30,
// nlink @38, mtime @46, filesize @54, devmajor @62, devminor @70, rdevmajor @78,
// rdevminor @86, namesize @94 (with the NUL), check @102; then name, pad to 4, data, pad to 4.
const HEADER = 110;
const TRAILER = 'TRAILER!!!';
const latin1 = new TextDecoder('latin1');
const utf8 = new TextDecoder('utf-8');

const S_IFMT = 0o170000;
// A Map, not an object literal: numeric literal keys get rewritten by formatters.
const FORMATS = new Map<number, EntryType>([
  [0o100000, 'file'],
  [0o040000, 'dir'],
  [0o120000, 'symlink'],
  [0o020000, 'chardev'],
  [0o060000, 'blockdev'],
  [0o010000, 'fifo'],
]);

const pad4 = (n: number): number => (n + 3) & ~3;

interface RawMember extends ArchiveEntry {
  linkKey: string;
  nlink: number;
}

/**
 * Read a newc cpio archive (the rpm payload, and the Linux initramfs format). Hard links
 * (same dev+ino, nlink > 1, data stored once) come back as one `file` entry followed by
 * `hardlink` entries naming it, so extraction can create the file before linking to it.
 */
export function readCpioNewc(bytes: Uint8Array, archive = 'archive'): ArchiveEntry[] {
  const raw: RawMember[] = [];
  let at = 0;
  for (;;) {
    if (at + HEADER > bytes.length) {
      throw new UnpackError(
        'UNPACK_TRUNCATED',
        archive,
        undefined,
        `cpio header at offset ${at} is cut short (no ${TRAILER})`,
        HINT_CORRUPT,
      );
    }
    const magic = latin1.decode(bytes.subarray(at, at + 6));
    if (magic === '07070X') {
      throw new UnpackError(
        'UNPACK_UNSUPPORTED',
        archive,
        undefined,
        'stripped cpio payload (rpm large-file format) is not supported',
        'use a package built without files of 4 GiB or more',
      );
    }
    if (magic !== '070701' && magic !== '070702') {
      throw new UnpackError(
        'UNPACK_MALFORMED',
        archive,
        undefined,
        `no newc cpio magic at offset ${at} (found ${JSON.stringify(magic)})`,
        HINT_CORRUPT,
      );
    }
    const hex = (offset: number): number => {
      const text = latin1.decode(bytes.subarray(at + offset, at + offset + 8));
      if (!/^[0-9a-fA-F]{8}$/.test(text)) {
        throw new UnpackError(
          'UNPACK_MALFORMED',
          archive,
          undefined,
          `bad cpio header field at offset ${at + offset}`,
          HINT_CORRUPT,
        );
      }
      return Number.parseInt(text, 16);
    };
    const ino = hex(6);
    const mode = hex(14);
    const nlink = hex(38);
    const filesize = hex(54);
    const devmajor = hex(62);
    const devminor = hex(70);
    const namesize = hex(94);
    const nameStart = at + HEADER;
    const dataStart = pad4(nameStart + namesize);
    if (namesize === 0 || dataStart + filesize > bytes.length) {
      throw new UnpackError(
        'UNPACK_TRUNCATED',
        archive,
        undefined,
        `cpio member at offset ${at} runs past the end of the archive`,
        HINT_CORRUPT,
      );
    }
    const name = utf8.decode(bytes.subarray(nameStart, nameStart + namesize - 1));
    at = pad4(dataStart + filesize);
    if (name === TRAILER) break;
    const type = FORMATS.get(mode & S_IFMT);
    if (type === undefined) {
      throw new UnpackError(
        'UNPACK_UNSUPPORTED',
        archive,
        name,
        `cpio file type 0o${(mode & S_IFMT).toString(8)} is not supported`,
        HINT_CORRUPT,
      );
    }
    const data = bytes.subarray(dataStart, dataStart + filesize);
    raw.push({
      name,
      type,
      mode: mode & 0o7777,
      size: type === 'file' ? filesize : 0,
      linkname: type === 'symlink' ? utf8.decode(data) : '',
      data: type === 'file' ? data : EMPTY,
      linkKey: `${devmajor}:${devminor}:${ino}`,
      nlink,
    });
  }
  return groupHardLinks(raw);
}

/** newc stores a hard-linked file's data with one member of the set (rpm: the last one). */
function groupHardLinks(raw: RawMember[]): ArchiveEntry[] {
  const sets = new Map<string, RawMember[]>();
  for (const member of raw) {
    if (member.type !== 'file' || member.nlink < 2) continue;
    const set = sets.get(member.linkKey) ?? [];
    set.push(member);
    sets.set(member.linkKey, set);
  }
  const out: ArchiveEntry[] = [];
  for (const member of raw) {
    const set = member.type === 'file' && member.nlink > 1 ? sets.get(member.linkKey) : undefined;
    if (set === undefined || set.length < 2) {
      out.push(strip(member));
      continue;
    }
    const holder = set.find((m) => m.size > 0) ?? set[set.length - 1];
    if (member !== holder) continue; // emitted as a hard link right after the holder
    out.push(strip(member));
    for (const other of set) {
      if (other !== holder)
        out.push({
          ...strip(other),
          type: 'hardlink',
          linkname: holder.name,
          size: 0,
          data: EMPTY,
        });
    }
  }
  return out;
}

function strip({ linkKey: _k, nlink: _n, ...entry }: RawMember): ArchiveEntry {
  return entry;
}
