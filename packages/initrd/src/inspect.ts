import { COMPONENTS_FILE } from './assemble.js';
import { type Compression, decompress, detectCompression } from './compress/compress.js';
import { readNewc, S_IFBLK, S_IFCHR, S_IFDIR, S_IFLNK, S_IFMT, S_IFREG } from './cpio/newc.js';
import { InitrdError } from './errors.js';

export interface InitrdInspection {
  compression: Compression;
  compressedSize: number;
  cpioSize: number;
  version?: string;
  buildConf: Record<string, string>;
  /** From /etc/ucvm/components; empty for an initrd not built by ucvm. */
  components: { name: string; entries: number; bytes: number }[];
  modules: { version: string; names: string[] }[];
  entries: {
    path: string;
    type: 'file' | 'dir' | 'symlink' | 'char' | 'block' | 'other';
    mode: number;
    size: number;
    target?: string;
  }[];
}

const typeOf = (mode: number): InitrdInspection['entries'][number]['type'] => {
  switch (mode & S_IFMT) {
    case S_IFREG:
      return 'file';
    case S_IFDIR:
      return 'dir';
    case S_IFLNK:
      return 'symlink';
    case S_IFCHR:
      return 'char';
    case S_IFBLK:
      return 'block';
    default:
      return 'other';
  }
};

/** Reads an initrd (compressed or not) back into what `ucvm inspect` shows. */
export async function inspectInitrd(bytes: Uint8Array): Promise<InitrdInspection> {
  const compression = detectCompression(bytes);
  if (compression === undefined) {
    throw new InitrdError(
      'CPIO_BAD_ARCHIVE',
      'the file is neither a newc cpio archive nor gzip, xz or zstd data',
      'give an initrd file',
      2,
    );
  }
  const cpio = await decompress(bytes);
  const records = readNewc(cpio);
  const text = (name: string) => {
    const r = records.find((x) => x.name === name);
    return r ? Buffer.from(r.data).toString('utf8') : undefined;
  };
  const buildConf: Record<string, string> = {};
  for (const line of (text('etc/ucvm/build.conf') ?? '').split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) buildConf[line.slice(0, eq)] = line.slice(eq + 1);
  }
  const components = (text(COMPONENTS_FILE) ?? '')
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [name = '', entries = '0', size = '0'] = line.split('\t');
      return { name, entries: Number(entries), bytes: Number(size) };
    });
  const modules: InitrdInspection['modules'] = [];
  for (const r of records) {
    const m = /^lib\/modules\/([^/]+)\/modules\.dep$/.exec(r.name);
    if (!m) continue;
    const names = Buffer.from(r.data)
      .toString('utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) =>
        (l.slice(0, l.indexOf(':')).split('/').pop() ?? '')
          .replace(/\.ko.*$/, '')
          .replace(/-/g, '_'),
      );
    modules.push({ version: m[1] as string, names });
  }
  const version = text('version')?.trim();
  return {
    compression,
    compressedSize: bytes.length,
    cpioSize: cpio.length,
    ...(version !== undefined ? { version } : {}),
    buildConf,
    components,
    modules,
    entries: records.map((r) => {
      const type = typeOf(r.mode);
      const e: InitrdInspection['entries'][number] = {
        path: r.name,
        type,
        mode: r.mode & 0o7777,
        size: r.filesize,
      };
      if (type === 'symlink') e.target = Buffer.from(r.data).toString('utf8');
      return e;
    }),
  };
}
