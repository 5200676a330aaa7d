import { HINT_CORRUPT, UnpackError } from './errors.js';

/** One member of a Unix `ar` archive (the container of a .deb). */
export interface ArMember {
  name: string;
  mode: number;
  size: number;
  data: Uint8Array;
}

const AR_MAGIC = '!<arch>\n';
const HEADER_SIZE = 60;
const ascii = new TextDecoder('latin1');

function field(bytes: Uint8Array, start: number, length: number): string {
  return ascii.decode(bytes.subarray(start, start + length)).trimEnd();
}

/**
 * Read the members of an `ar` archive: global header `!<arch>\n`, then per member a 60-byte
 * header and the data padded to an even offset. Handles System V/GNU names (`name/`, the `//`
 * long-name table, `/N` references), BSD `#1/LEN` names, and skips symbol tables.
 */
export function readAr(bytes: Uint8Array, archive = 'archive'): ArMember[] {
  if (bytes.length < AR_MAGIC.length || ascii.decode(bytes.subarray(0, 8)) !== AR_MAGIC) {
    throw new UnpackError(
      'UNPACK_MALFORMED',
      archive,
      undefined,
      'not an ar archive (no "!<arch>" magic)',
      HINT_CORRUPT,
    );
  }
  const members: ArMember[] = [];
  let longNames = '';
  let offset = AR_MAGIC.length;
  while (offset < bytes.length) {
    if (bytes[offset] === 0x0a && offset + 1 === bytes.length) break; // stray final newline pad
    if (offset + HEADER_SIZE > bytes.length) {
      throw new UnpackError(
        'UNPACK_TRUNCATED',
        archive,
        undefined,
        `ar header at offset ${offset} is cut short`,
        HINT_CORRUPT,
      );
    }
    // Header: name[16] @0, mtime[12] @16, uid[6] @28, gid[6] @34, mode[8] @40, size[10] @48, fmag[2] @58
    let name = field(bytes, offset, 16);
    const modeText = field(bytes, offset + 40, 8);
    const sizeText = field(bytes, offset + 48, 10);
    if (bytes[offset + 58] !== 0x60 || bytes[offset + 59] !== 0x0a || !/^\d+$/.test(sizeText)) {
      throw new UnpackError(
        'UNPACK_MALFORMED',
        archive,
        name,
        `bad ar member header at offset ${offset}`,
        HINT_CORRUPT,
      );
    }
    let size = Number.parseInt(sizeText, 10);
    let dataStart = offset + HEADER_SIZE;
    if (dataStart + size > bytes.length) {
      throw new UnpackError(
        'UNPACK_TRUNCATED',
        archive,
        name,
        `member data (${size} bytes) runs past the end of the archive`,
        HINT_CORRUPT,
      );
    }
    const next = dataStart + size + (size % 2);
    if (name.startsWith('#1/')) {
      // BSD: the name is the first LEN bytes of the data.
      const nameLength = Number.parseInt(name.slice(3), 10);
      if (!Number.isFinite(nameLength) || nameLength > size) {
        throw new UnpackError(
          'UNPACK_MALFORMED',
          archive,
          name,
          'bad BSD long name length',
          HINT_CORRUPT,
        );
      }
      name = ascii.decode(bytes.subarray(dataStart, dataStart + nameLength)).replace(/\0+$/, '');
      dataStart += nameLength;
      size -= nameLength;
    } else if (name === '//') {
      longNames = ascii.decode(bytes.subarray(dataStart, dataStart + size));
      offset = next;
      continue;
    } else if (
      name === '/' ||
      name === '/SYM64/' ||
      name === '__.SYMDEF' ||
      name === '__.SYMDEF SORTED'
    ) {
      offset = next;
      continue;
    } else if (/^\/\d+$/.test(name)) {
      const at = Number.parseInt(name.slice(1), 10);
      const end = longNames.indexOf('/\n', at);
      if (at >= longNames.length || end < 0) {
        throw new UnpackError(
          'UNPACK_MALFORMED',
          archive,
          name,
          'long-name reference outside the "//" table',
          HINT_CORRUPT,
        );
      }
      name = longNames.slice(at, end);
    } else if (name.endsWith('/')) {
      name = name.slice(0, -1);
    }
    members.push({
      name,
      mode: /^[0-7]+$/.test(modeText) ? Number.parseInt(modeText, 8) & 0o7777 : 0o644,
      size,
      data: bytes.subarray(dataStart, dataStart + size),
    });
    offset = next;
  }
  return members;
}
