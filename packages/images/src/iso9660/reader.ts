import { BLOCK } from './both-endian.js';
import { parseRecord } from './directory-record.js';
import { parseSystemUse, type RockRidgeInfo } from './rock-ridge.js';
import { type ParsedPvd, readPvd } from './volume-descriptor.js';

export interface IsoFile {
  path: string;
  isoId: string;
  type: 'file' | 'dir' | 'symlink';
  mode?: number;
  target?: string;
  lba: number;
  size: number;
  data?: Uint8Array;
}

/** Reads an ISO 9660 image with Rock Ridge names (the test-side reader next to xorriso). */
export function readIso(image: Uint8Array): { pvd: ParsedPvd; entries: IsoFile[] } {
  const img = Buffer.from(image.buffer, image.byteOffset, image.byteLength);
  const pvd = readPvd(img.subarray(16 * BLOCK, 17 * BLOCK));
  const rr = (su: Buffer): RockRidgeInfo => {
    const info = parseSystemUse(su);
    for (let guard = 0; info.continuation && guard < 16; guard++) {
      const c = info.continuation;
      info.continuation = undefined;
      parseSystemUse(
        img.subarray(c.block * BLOCK + c.offset, c.block * BLOCK + c.offset + c.length),
        info,
      );
    }
    return info;
  };
  const entries: IsoFile[] = [];
  const walk = (lba: number, size: number, prefix: string) => {
    const ext = img.subarray(lba * BLOCK, lba * BLOCK + size);
    for (let at = 0; at < ext.length; ) {
      const r = parseRecord(ext, at);
      if (!r) {
        at = (Math.floor(at / BLOCK) + 1) * BLOCK;
        continue;
      }
      at += r.length;
      if (r.id.length === 1 && r.id[0]! <= 1) continue;
      const info = rr(r.systemUse);
      const isoId = r.id.toString('latin1');
      const name = info.name ?? isoId.replace(/;1$/, '').replace(/\.$/, '').toLowerCase();
      const path = prefix ? `${prefix}/${name}` : name;
      const mode = info.mode;
      const type = r.directory
        ? 'dir'
        : mode !== undefined && (mode & 0o170000) === 0o120000
          ? 'symlink'
          : 'file';
      const e: IsoFile = { path, isoId, type, lba: r.lba, size: r.size };
      if (mode !== undefined) e.mode = mode;
      if (type === 'symlink' && info.target !== undefined) e.target = info.target;
      if (type === 'file') e.data = img.subarray(r.lba * BLOCK, r.lba * BLOCK + r.size);
      entries.push(e);
      if (type === 'dir') walk(r.lba, r.size, path);
    }
  };
  walk(pvd.rootLba, pvd.rootSize, '');
  return { pvd, entries };
}
