import { ImagesError } from '../errors.js';
import { concatChunks, type ImageChunk, writeImageFile } from '../output.js';
import { type ResolvedEntry, resolveTree, type TreeEntry, treeDigest } from '../tree.js';
import { deriveU32 } from '../util/ids.js';
import { checkEpoch } from '../util/time.js';
import {
  computeGeometry,
  type FatGeometry,
  type FatType,
  labelBytes,
  writeBootSector,
} from './boot-sector.js';
import {
  ATTR_ARCHIVE,
  ATTR_DIRECTORY,
  ATTR_READ_ONLY,
  ATTR_VOLUME_ID,
  ENTRY,
  lfnEntries,
  type ShortName,
  shortEntry,
  shortNameFor,
} from './directory.js';
import { writeFsInfo } from './fsinfo.js';
import { FatTable } from './table.js';

export interface FatOptions {
  /** File system size in bytes (a multiple of 512). */
  sizeBytes: number;
  /** Forced FAT type; by default chosen by size (FAT12 < 4 MiB <= FAT16 < 512 MiB <= FAT32). */
  fatType?: FatType;
  /** Volume label, default "UCERNVM". */
  label?: string;
  /** Volume serial; by default derived from `seed` (or from the tree's digest). */
  volumeId?: number;
  seed?: string;
  /** SOURCE_DATE_EPOCH: every time stamp in the file system. */
  sourceDateEpoch: number;
  /** BPB hidden sectors = the partition's start LBA when the FS lives in a partition. */
  hiddenSectors?: number;
  sectorsPerCluster?: number;
  rootEntries?: number;
}

export interface FatLayout {
  chunks: ImageChunk[];
  geometry: FatGeometry;
  volumeId: number;
  label: string;
  /** Clusters in use, including directories. */
  usedClusters: number;
}

const parentOf = (e: ResolvedEntry) => e.parts.slice(0, -1).join('/');

/**
 * Formats a FAT file system and fills it with the tree in one pass (pure: returns chunks).
 * Directories and files get contiguous clusters in sorted tree order, so the same tree
 * always yields the same bytes (build.md §7; image-recipes.md §2.4 for why order matters).
 */
export function layoutFat(tree: readonly TreeEntry[], opts: FatOptions): FatLayout {
  const epoch = checkEpoch(opts.sourceDateEpoch);
  const entries = resolveTree(tree);
  for (const e of entries) {
    if (e.type === 'symlink') {
      throw new ImagesError(
        'FAT_SYMLINK',
        `FAT cannot store the symlink ${JSON.stringify(e.path)}`,
        'replace it by a copy of its target in the tree given to the FAT writer',
      );
    }
    if (e.data.length > 0xffffffff) {
      throw new ImagesError(
        'FAT_FILE_TOO_LARGE',
        `${e.path} is ${e.data.length} bytes; FAT files stay below 4 GiB`,
      );
    }
  }
  const g = computeGeometry(opts);
  const label = opts.label ?? 'UCERNVM';
  const volumeId =
    (opts.volumeId ?? deriveU32(opts.seed ?? treeDigest(entries), 'fat-volume-id')) >>> 0;
  const clusterBytes = g.sectorsPerCluster * 512;

  // Children per directory ('' is the root) and their short names.
  const children = new Map<string, ResolvedEntry[]>([['', []]]);
  for (const e of entries) {
    if (e.type === 'dir') children.set(e.path, []);
    children.get(parentOf(e))!.push(e);
  }
  const names = new Map<string, ShortName>();
  const entryCount = new Map<string, number>();
  for (const [dir, list] of children) {
    const taken = new Set<string>();
    let n = dir === '' ? (label ? 1 : 0) : 2;
    for (const c of list) {
      const sn = shortNameFor(c.name, taken);
      names.set(c.path, sn);
      n += 1 + (sn.needsLfn ? Math.ceil(c.name.length / 13) : 0);
    }
    entryCount.set(dir, n);
  }

  // Cluster allocation: contiguous, in tree order (FAT32 root first, at cluster 2).
  const table = new FatTable(g.fatType, g.clusterCount);
  const first = new Map<string, number>([['', 0]]);
  const data: { dir?: string; file?: ResolvedEntry; clusters: number }[] = [];
  let next = 2;
  const allocate = (clusters: number, what: string) => {
    if (next + clusters - 2 > g.clusterCount) {
      throw new ImagesError(
        'FAT_FULL',
        `the ${opts.sizeBytes}-byte FAT${g.fatType} file system is full at ${JSON.stringify(what)}`,
        'give a larger sizeBytes (the tree plus about 10% and a few MiB)',
      );
    }
    const at = next;
    table.chain(at, clusters);
    next += clusters;
    return at;
  };
  const dirClusters = (dir: string) =>
    Math.max(1, Math.ceil((entryCount.get(dir)! * ENTRY) / clusterBytes));
  if (g.fatType === 32) {
    const n = dirClusters('');
    first.set('', allocate(n, '/'));
    data.push({ dir: '', clusters: n });
  } else if (entryCount.get('')! > g.rootEntries) {
    throw new ImagesError(
      'FAT_ROOT_FULL',
      `the root directory needs ${entryCount.get('')} entries, FAT${g.fatType} has room for ${g.rootEntries}`,
      'raise rootEntries or move files into subdirectories',
    );
  }
  for (const e of entries) {
    const n = e.type === 'dir' ? dirClusters(e.path) : Math.ceil(e.data.length / clusterBytes);
    first.set(e.path, n === 0 ? 0 : allocate(n, e.path));
    if (n > 0)
      data.push(e.type === 'dir' ? { dir: e.path, clusters: n } : { file: e, clusters: n });
  }

  const dirBytes = (dir: string, size: number): Buffer => {
    const b = Buffer.alloc(size);
    let at = 0;
    const put = (x: Buffer) => {
      x.copy(b, at);
      at += ENTRY;
    };
    if (dir === '') {
      if (label)
        put(
          shortEntry({ raw: labelBytes(label), attr: ATTR_VOLUME_ID, cluster: 0, size: 0, epoch }),
        );
    } else {
      const parent = dir.includes('/') ? dir.slice(0, dir.lastIndexOf('/')) : '';
      const dots = (s: string) => Buffer.from(s.padEnd(11, ' '), 'latin1');
      put(
        shortEntry({
          raw: dots('.'),
          attr: ATTR_DIRECTORY,
          cluster: first.get(dir)!,
          size: 0,
          epoch,
        }),
      );
      // ".." of a first-level directory points at cluster 0, also on FAT32 (spec §6.1)
      const up = parent === '' ? 0 : first.get(parent)!;
      put(shortEntry({ raw: dots('..'), attr: ATTR_DIRECTORY, cluster: up, size: 0, epoch }));
    }
    for (const c of children.get(dir)!) {
      const sn = names.get(c.path)!;
      if (sn.needsLfn) for (const l of lfnEntries(c.name, sn.raw)) put(l);
      const attr =
        (c.type === 'dir' ? ATTR_DIRECTORY : ATTR_ARCHIVE) | (c.mode & 0o222 ? 0 : ATTR_READ_ONLY);
      const size = c.type === 'dir' ? 0 : c.data.length;
      put(
        shortEntry({
          raw: sn.raw,
          attr,
          ntres: sn.ntres,
          cluster: first.get(c.path)!,
          size,
          epoch,
        }),
      );
    }
    return b;
  };

  // System area: boot sector(s), FSInfo, the two FATs, the FAT12/16 root directory.
  const sys = Buffer.alloc(g.firstDataSector * 512);
  const boot = writeBootSector(g, { volumeId, label: label || 'NO NAME' });
  boot.copy(sys, 0);
  const used = next - 2;
  if (g.fatType === 32) {
    const info = writeFsInfo(g.clusterCount - used, next);
    info.copy(sys, 512);
    boot.copy(sys, 6 * 512);
    info.copy(sys, 7 * 512);
  }
  const fat = table.serialize(g.fatSectors);
  fat.copy(sys, g.reservedSectors * 512);
  fat.copy(sys, (g.reservedSectors + g.fatSectors) * 512);
  if (g.fatType !== 32) dirBytes('', g.rootEntries * ENTRY).copy(sys, g.rootDirSector * 512);

  const chunks: ImageChunk[] = [sys];
  let written = sys.length;
  for (const d of data) {
    const size = d.clusters * clusterBytes;
    if (d.file) {
      chunks.push(d.file.data);
      if (size > d.file.data.length) chunks.push(size - d.file.data.length);
    } else {
      chunks.push(dirBytes(d.dir!, size));
    }
    written += size;
  }
  if (opts.sizeBytes > written) chunks.push(opts.sizeBytes - written);
  return { chunks, geometry: g, volumeId, label, usedClusters: used };
}

/** The whole FAT file system as one buffer. */
export function writeFat(tree: readonly TreeEntry[], opts: FatOptions): Uint8Array {
  return concatChunks(layoutFat(tree, opts).chunks);
}

/** Writes a FAT image file atomically (sparse where the file system is empty). */
export async function writeFatFile(
  path: string,
  tree: readonly TreeEntry[],
  opts: FatOptions,
): Promise<FatLayout> {
  const l = layoutFat(tree, opts);
  await writeImageFile(path, l.chunks);
  return l;
}
