import { ImagesError } from '../errors.js';
import { readBootSector } from '../fat/boot-sector.js';
import { readFat } from '../fat/reader.js';
import { readIso } from '../iso9660/reader.js';
import { BOOT_CONFIG_PATHS, parseBootConfig } from './boot-config.js';
import { bzImageVersion } from './kernel.js';
import type { BootConfigFile, FileEntry, FileSystemInfo } from './types.js';

// One view over the file systems ucvm images hold (FAT and ISO 9660), with the lookups inspect
// needs: the tree, a file's bytes by path (case-insensitive, as FAT names are), and from
// those the boot configuration, `/version` (build.md §2) and the kernel's version.

export interface FileSystemView {
  info: FileSystemInfo;
  read(path: string): Uint8Array | undefined;
}

const byPath = (a: FileEntry, b: FileEntry) =>
  Buffer.compare(Buffer.from(a.path), Buffer.from(b.path));

function view(
  base: Omit<FileSystemInfo, 'files' | 'dirs' | 'fileBytes' | 'tree'>,
  entries: {
    path: string;
    type: FileEntry['type'];
    data?: Uint8Array;
    target?: string;
    size?: number;
  }[],
): FileSystemView {
  const files = new Map<string, Uint8Array>();
  const tree: FileEntry[] = entries.map((e) => {
    const f: FileEntry = { path: e.path, type: e.type, size: e.size ?? e.data?.length ?? 0 };
    if (e.target !== undefined) f.target = e.target;
    if (e.type === 'file' && e.data) files.set(e.path.toLowerCase(), e.data);
    return f;
  });
  tree.sort(byPath);
  const info: FileSystemInfo = {
    ...base,
    files: tree.filter((e) => e.type === 'file').length,
    dirs: tree.filter((e) => e.type === 'dir').length,
    fileBytes: tree.reduce((n, e) => n + (e.type === 'file' ? e.size : 0), 0),
    tree,
  };
  return { info, read: (p) => files.get(p.replace(/^\/+/, '').toLowerCase()) };
}

const hex4 = (n: number) => n.toString(16).toUpperCase().padStart(4, '0');

/** The FAT file system in `bytes` (a whole partition or a bare .fat). */
export function fatView(bytes: Uint8Array, where: string, offset: number): FileSystemView {
  if (bytes.length < 512) {
    throw new ImagesError(
      'INSPECT_TRUNCATED',
      `${where}: ${bytes.length} bytes, less than one FAT boot sector`,
      'the file was cut: copy or download it again',
      1,
    );
  }
  const { geometry: g } = readBootSector(bytes);
  if (g.totalSectors * 512 > bytes.length) {
    throw new ImagesError(
      'INSPECT_TRUNCATED',
      `${where}: the FAT file system is ${g.totalSectors * 512} bytes but only ${bytes.length} are present`,
      'the file was cut: copy or download it again',
      1,
    );
  }
  const fat = readFat(bytes);
  return view(
    {
      where,
      type: `FAT${g.fatType}`,
      offset,
      size: g.totalSectors * 512,
      label: fat.label,
      serial: `${hex4(fat.volumeId >>> 16)}-${hex4(fat.volumeId & 0xffff)}`,
      clusterBytes: g.sectorsPerCluster * 512,
      clusters: g.clusterCount,
    },
    fat.entries,
  );
}

/** The ISO 9660 file system (Rock Ridge names) and its primary volume descriptor. */
export function isoView(bytes: Uint8Array): FileSystemView & {
  pvd: ReturnType<typeof readIso>['pvd'];
  /** The file whose extent starts at `lba` (El Torito entries point at files). */
  pathAt(lba: number): string | undefined;
} {
  // ECMA-119 §8.4: the volume space size (LE half at PVD offset 80) bounds every extent.
  const blocks =
    bytes.length >= 17 * 2048
      ? Buffer.from(bytes.buffer, bytes.byteOffset + 16 * 2048 + 80, 4).readUInt32LE(0)
      : -1;
  if (blocks < 0 || blocks * 2048 > bytes.length) {
    throw new ImagesError(
      'INSPECT_TRUNCATED',
      `the ISO 9660 volume is ${blocks < 0 ? 'missing its volume descriptor' : `${blocks * 2048} bytes`} but only ${bytes.length} bytes are present`,
      'the file was cut: copy or download it again',
      1,
    );
  }
  const { pvd, entries } = readIso(bytes);
  const v = view(
    {
      where: 'ISO 9660 volume',
      type: 'ISO9660',
      offset: 0,
      size: pvd.totalBlocks * 2048,
      label: pvd.volumeId,
      serial: '',
    },
    entries,
  );
  const atLba = new Map(
    entries.filter((e) => e.type === 'file' && e.size > 0).map((e) => [e.lba, e.path]),
  );
  return { ...v, pvd, pathAt: (lba) => atLba.get(lba) };
}

export interface Contents {
  bootConfigs: BootConfigFile[];
  version?: string;
  kernelVersion?: string;
}

/** Boot configuration, /version and kernel version found in the given file systems. */
export function readContents(views: FileSystemView[]): Contents {
  const out: Contents = { bootConfigs: [] };
  const text = (b: Uint8Array) => Buffer.from(b).toString('utf8');
  for (const v of views) {
    for (const c of BOOT_CONFIG_PATHS) {
      const data = v.read(c.path);
      if (data) out.bootConfigs.push(parseBootConfig(c.path, v.info.where, c.loader, text(data)));
    }
    const version = v.read('version');
    if (out.version === undefined && version) out.version = text(version).trim();
    const kernel = v.read('cernvm/vmlinuz.xz');
    if (out.kernelVersion === undefined && kernel) {
      const k = bzImageVersion(kernel);
      if (k !== undefined) out.kernelVersion = k;
    }
  }
  return out;
}
