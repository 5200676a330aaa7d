import { ImagesError } from '../errors.js';

// Reader for the ustar archives ucvm writes and meets (update pack, GCE disk.raw, OVA, box):
// POSIX.1-2017 pax "ustar Header Block" (offsets in ustar.ts). GNU tar's ustar-compatible
// output ('ustar  \0' magic) reads the same. pax extended headers ('x', 'g') and GNU long
// names ('L') are applied to the next member, as GNU tar and bsdtar write them.

export interface TarMember {
  name: string;
  type: 'file' | 'dir' | 'symlink' | 'hardlink' | 'other';
  /** The raw typeflag character ('0', '5', ...). */
  typeflag: string;
  mode: number;
  size: number;
  mtime: number;
  target?: string;
  /** Offset of the member's data in the archive. */
  offset: number;
  /** The member's bytes (a view into the archive). */
  data: Uint8Array;
}

const BLOCK = 512;

/** True when `bytes` starts with a ustar header (magic "ustar" at 257, checksum valid). */
export function isUstar(bytes: Uint8Array): boolean {
  if (bytes.length < BLOCK) return false;
  const h = Buffer.from(bytes.buffer, bytes.byteOffset, BLOCK);
  return h.toString('latin1', 257, 262) === 'ustar' && checksumOk(h);
}

function checksumOk(h: Buffer): boolean {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : h[i]!;
  return octal(h, 148, 8) === sum;
}

/** A numeric field: octal digits (NUL/space terminated), or GNU base-256 (high bit set). */
function octal(h: Buffer, at: number, len: number): number {
  if ((h[at]! & 0x80) !== 0) {
    let v = 0;
    for (let i = at + 1; i < at + len; i++) v = v * 256 + h[i]!;
    return v;
  }
  const s = h
    .toString('latin1', at, at + len)
    .replace(/[\0 ].*$/s, '')
    .trim();
  return s === '' ? 0 : Number.parseInt(s, 8);
}

const cstring = (h: Buffer, at: number, len: number) => {
  const s = h.subarray(at, at + len);
  const nul = s.indexOf(0);
  return s.subarray(0, nul < 0 ? len : nul).toString('utf8');
};

/** pax extended header records "<len> <key>=<value>\n". */
function paxRecords(data: Uint8Array): Map<string, string> {
  const out = new Map<string, string>();
  const text = Buffer.from(data).toString('utf8');
  let at = 0;
  while (at < text.length) {
    const sp = text.indexOf(' ', at);
    const len = Number.parseInt(text.slice(at, sp), 10);
    if (!(len > 0) || sp < 0) break;
    const rec = text.slice(sp + 1, at + len - 1);
    const eq = rec.indexOf('=');
    if (eq > 0) out.set(rec.slice(0, eq), rec.slice(eq + 1));
    at += len;
  }
  return out;
}

const TYPES: Record<string, TarMember['type']> = {
  '0': 'file',
  '\0': 'file',
  '7': 'file',
  '5': 'dir',
  '2': 'symlink',
  '1': 'hardlink',
};

/** Every member of a ustar archive, in archive order. Throws TAR_* on a damaged archive. */
export function readUstar(archive: Uint8Array): TarMember[] {
  const b = Buffer.from(archive.buffer, archive.byteOffset, archive.byteLength);
  const members: TarMember[] = [];
  let pending: Map<string, string> | undefined;
  let at = 0;
  for (;;) {
    if (at + BLOCK > b.length) {
      throw new ImagesError(
        'TAR_TRUNCATED',
        `tar archive ends at byte ${b.length} inside the header expected at ${at} (no end-of-archive blocks)`,
        'the file was cut: copy or download it again',
        1,
      );
    }
    const h = b.subarray(at, at + BLOCK);
    if (h.every((x) => x === 0)) break; // end of archive (two zero blocks; one is enough here)
    if (!checksumOk(h)) {
      throw new ImagesError(
        'TAR_BAD_HEADER',
        `tar header at byte ${at} has a wrong checksum or no ustar magic`,
        'the archive is damaged or not a tar file',
        1,
      );
    }
    const typeflag = h.toString('latin1', 156, 157);
    const ext = typeflag === 'x' || typeflag === 'L' || typeflag === 'K' || typeflag === 'g';
    const paxSize = ext ? undefined : pending?.get('size');
    const size = paxSize !== undefined ? Number(paxSize) : octal(h, 124, 12);
    const dataAt = at + BLOCK;
    if (dataAt + size > b.length) {
      throw new ImagesError(
        'TAR_TRUNCATED',
        `tar member ${JSON.stringify(cstring(h, 0, 100))} needs ${size} bytes from byte ${dataAt}; the archive is ${b.length} bytes`,
        'the file was cut: copy or download it again',
        1,
      );
    }
    const data = archive.subarray(dataAt, dataAt + size);
    at = dataAt + Math.ceil(size / BLOCK) * BLOCK;
    if (typeflag === 'g') continue; // global pax header: nothing ucvm needs
    if (ext) {
      pending ??= new Map();
      if (typeflag === 'x') for (const [k, v] of paxRecords(data)) pending.set(k, v);
      else pending.set(typeflag === 'L' ? 'path' : 'linkpath', cstring(Buffer.from(data), 0, size));
      continue;
    }
    const prefix = h.toString('latin1', 257, 263) === 'ustar\0' ? cstring(h, 345, 155) : '';
    const plain = cstring(h, 0, 100);
    let name = pending?.get('path') ?? (prefix ? `${prefix}/${plain}` : plain);
    const link = pending?.get('linkpath') ?? cstring(h, 157, 100);
    pending = undefined;
    const type = TYPES[typeflag] ?? 'other';
    if (type === 'dir') name = name.replace(/\/+$/, '');
    const m: TarMember = {
      name,
      type,
      typeflag,
      mode: octal(h, 100, 8) & 0o7777,
      size: type === 'file' ? size : 0,
      mtime: octal(h, 136, 12),
      offset: dataAt,
      data: type === 'file' ? data : new Uint8Array(0),
    };
    if ((type === 'symlink' || type === 'hardlink') && link) m.target = link;
    members.push(m);
  }
  return members;
}
