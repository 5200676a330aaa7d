import { both16, both32 } from './both-endian.js';
import { date7 } from './rock-ridge.js';

// ECMA-119 §9.1 directory record:
//   0 length  1 extended attribute record length  2 extent LBA (both, 8)  10 data length (both, 8)
//   18 recording date (7)  25 file flags (0x02 directory)  26 file unit size  27 interleave gap
//   28 volume sequence number (both, 4)  32 length of file identifier  33 file identifier
//   33+n padding byte when n is even, then the System Use area (Rock Ridge).

export const FLAG_DIRECTORY = 0x02;

/** Length of a record with an identifier of `idLen` bytes and `suLen` bytes of system use. */
export function recordLength(idLen: number, suLen: number): number {
  const n = 33 + idLen + (idLen % 2 === 0 ? 1 : 0) + suLen;
  return n + (n % 2); // records have even length (§9.1.1)
}

export function directoryRecord(o: {
  id: Buffer;
  lba: number;
  size: number;
  directory: boolean;
  epoch: number;
  systemUse: Buffer;
}): Buffer {
  const r = Buffer.alloc(recordLength(o.id.length, o.systemUse.length));
  r[0] = r.length;
  both32(r, o.lba, 2);
  both32(r, o.size, 10);
  date7(o.epoch).copy(r, 18);
  r[25] = o.directory ? FLAG_DIRECTORY : 0;
  both16(r, 1, 28);
  r[32] = o.id.length;
  o.id.copy(r, 33);
  o.systemUse.copy(r, 33 + o.id.length + (o.id.length % 2 === 0 ? 1 : 0));
  return r;
}

export interface ParsedRecord {
  length: number;
  lba: number;
  size: number;
  directory: boolean;
  id: Buffer;
  systemUse: Buffer;
}

export function parseRecord(b: Buffer, at: number): ParsedRecord | undefined {
  const length = b[at]!;
  if (length === 0) return undefined;
  const idLen = b[at + 32]!;
  const suStart = at + 33 + idLen + (idLen % 2 === 0 ? 1 : 0);
  return {
    length,
    lba: b.readUInt32LE(at + 2),
    size: b.readUInt32LE(at + 10),
    directory: (b[at + 25]! & FLAG_DIRECTORY) !== 0,
    id: b.subarray(at + 33, at + 33 + idLen),
    systemUse: b.subarray(suStart, at + length),
  };
}

const D_CHARS = /[^A-Z0-9_]/g;

/**
 * ISO 9660 level-1 identifiers for the children of one directory (8.3 + ";1" for files, 8 for
 * directories; d-characters only), made unique with a numeric tail. The real names are in the
 * Rock Ridge NM entries; these only have to be valid and distinct (§7.5, §7.6).
 */
export function isoNames(children: { name: string; directory: boolean }[]): string[] {
  const taken = new Set<string>();
  return children.map(({ name, directory }) => {
    const clean = (s: string) => s.toUpperCase().replace(D_CHARS, '_');
    const n = name.replace(/^\./, '_');
    const dot = directory ? -1 : n.lastIndexOf('.');
    let base = clean(dot > 0 ? n.slice(0, dot) : n).slice(0, 8) || '_';
    const ext = dot > 0 ? clean(n.slice(dot + 1)).slice(0, 3) : '';
    const make = (b: string) => (directory ? b : `${b}.${ext};1`);
    let id = make(base);
    for (let i = 1; taken.has(id); i++) {
      const tail = String(i);
      base = base.slice(0, 8 - tail.length).padEnd(8 - tail.length, '_') + tail;
      id = make(base);
    }
    taken.add(id);
    return id;
  });
}

/** §9.3 order of records: by name, then extension, each compared space-padded. */
export function compareIsoIds(a: string, b: string): number {
  const key = (id: string) => {
    const s = id.replace(/;1$/, '');
    const dot = s.indexOf('.');
    const name = dot === -1 ? s : s.slice(0, dot);
    const ext = dot === -1 ? '' : s.slice(dot + 1);
    return `${name.padEnd(8, ' ')}${ext.padEnd(3, ' ')}`;
  };
  const ka = key(a);
  const kb = key(b);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}
