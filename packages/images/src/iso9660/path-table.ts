// ECMA-119 §9.4 path table record:
//   0 length of directory identifier  1 extended attribute record length
//   2 extent LBA (4; LE in the type-L table, BE in the type-M table)
//   6 parent directory number (2; same byte order)  8 identifier, padded to even length.
// Records are ordered by level, then parent number, then identifier (§6.9.1); the root is
// number 1 with identifier 0x00 and parent 1.

export interface PathTableDir {
  id: Buffer;
  lba: number;
  parentNumber: number;
}

export function pathTableSize(dirs: PathTableDir[]): number {
  return dirs.reduce((n, d) => n + 8 + d.id.length + (d.id.length % 2), 0);
}

export function pathTable(dirs: PathTableDir[], bigEndian: boolean): Buffer {
  const b = Buffer.alloc(pathTableSize(dirs));
  let at = 0;
  for (const d of dirs) {
    b[at] = d.id.length;
    if (bigEndian) {
      b.writeUInt32BE(d.lba, at + 2);
      b.writeUInt16BE(d.parentNumber, at + 6);
    } else {
      b.writeUInt32LE(d.lba, at + 2);
      b.writeUInt16LE(d.parentNumber, at + 6);
    }
    d.id.copy(b, at + 8);
    at += 8 + d.id.length + (d.id.length % 2);
  }
  return b;
}
