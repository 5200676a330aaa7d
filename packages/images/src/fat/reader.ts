import { ImagesError } from '../errors.js';
import { type FatGeometry, readBootSector } from './boot-sector.js';
import { ATTR_DIRECTORY, parseDirectory } from './directory.js';
import { isEndOfChain, readFatEntry } from './table.js';

export interface FatFile {
  path: string;
  type: 'file' | 'dir';
  data?: Uint8Array;
  shortName: string;
  attr: number;
}

export interface ReadFatResult {
  geometry: FatGeometry;
  volumeId: number;
  label: string;
  entries: FatFile[];
}

/** Reads a FAT file system image (the test-side reader; the host tools are the other). */
export function readFat(image: Uint8Array): ReadFatResult {
  const { geometry: g, volumeId, label } = readBootSector(image);
  const fat = image.subarray(g.reservedSectors * 512, (g.reservedSectors + g.fatSectors) * 512);
  const clusterBytes = g.sectorsPerCluster * 512;
  const chain = (start: number): Uint8Array => {
    const parts: Uint8Array[] = [];
    let c = start;
    for (let guard = 0; c >= 2 && !isEndOfChain(c, g.fatType); guard++) {
      if (guard > g.clusterCount)
        throw new ImagesError('FAT_LOOP', `cluster chain from ${start} loops`, undefined, 1);
      const off = (g.firstDataSector + (c - 2) * g.sectorsPerCluster) * 512;
      parts.push(image.subarray(off, off + clusterBytes));
      c = readFatEntry(fat, g.fatType, c);
    }
    return Buffer.concat(parts);
  };
  const entries: FatFile[] = [];
  const walk = (bytes: Uint8Array, prefix: string) => {
    for (const d of parseDirectory(bytes)) {
      const path = prefix ? `${prefix}/${d.name}` : d.name;
      if (d.attr & ATTR_DIRECTORY) {
        entries.push({ path, type: 'dir', shortName: d.shortName, attr: d.attr });
        walk(chain(d.cluster), path);
      } else {
        const data = d.cluster ? chain(d.cluster).subarray(0, d.size) : new Uint8Array(0);
        entries.push({ path, type: 'file', data, shortName: d.shortName, attr: d.attr });
      }
    }
  };
  const root =
    g.fatType === 32
      ? chain(Buffer.from(image.buffer, image.byteOffset, 512).readUInt32LE(44))
      : image.subarray(g.rootDirSector * 512, g.firstDataSector * 512);
  walk(root, '');
  return { geometry: g, volumeId, label, entries };
}
