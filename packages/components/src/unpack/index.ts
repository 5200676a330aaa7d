import { readDeb } from './deb.js';
import { decompress, sniffCompression } from './decompress.js';
import type { ArchiveEntry } from './entry.js';
import { UnpackError } from './errors.js';
import { type ExtractOptions, extractEntries, type UnpackResult } from './extract.js';
import { readRpm } from './rpm.js';
import { RPM_MAGIC } from './rpm-lead.js';
import { looksLikeTar, readTar } from './tar.js';

export { type ArMember, readAr } from './ar.js';
export { readCpioNewc } from './cpio-newc.js';
export { readDeb } from './deb.js';
export { type Compression, decompress, sniffCompression } from './decompress.js';
export type { ArchiveEntry, EntryType } from './entry.js';
export { UnpackError, type UnpackErrorCode } from './errors.js';
export { type ExtractOptions, extractEntries, type UnpackResult } from './extract.js';
export { type RpmPackage, readRpm } from './rpm.js';
export { RPMTAG, type RpmHeader, type RpmTagValue } from './rpm-header.js';
export { type RpmLead, readRpmLead } from './rpm-lead.js';
export { readTar } from './tar.js';

export type ArchiveKind = 'deb' | 'rpm' | 'tar' | 'tar.gz' | 'tar.xz' | 'tar.zst';

export interface UnpackOptions extends ExtractOptions {
  /** Format; sniffed from the magic bytes when absent. */
  kind?: ArchiveKind;
  /** Name used in error messages (a file name or URL); default "archive". */
  name?: string;
}

/** Archive kind from magic bytes; undefined when unrecognised. */
export function sniffArchiveKind(bytes: Uint8Array): ArchiveKind | undefined {
  if (new TextDecoder('latin1').decode(bytes.subarray(0, 8)) === '!<arch>\n') return 'deb';
  if (RPM_MAGIC.every((m, i) => bytes[i] === m)) return 'rpm';
  const compression = sniffCompression(bytes);
  if (compression === 'gzip') return 'tar.gz';
  if (compression === 'xz') return 'tar.xz';
  if (compression === 'zstd') return 'tar.zst';
  if (compression === 'none' && looksLikeTar(bytes)) return 'tar';
  return undefined;
}

/** Read the file-system entries of any supported archive, in archive order. */
export async function readArchive(
  bytes: Uint8Array,
  opts: UnpackOptions = {},
): Promise<ArchiveEntry[]> {
  const name = opts.name ?? 'archive';
  const sniffed = sniffArchiveKind(bytes);
  if (opts.kind !== undefined && sniffed !== undefined && sniffed !== opts.kind) {
    throw new UnpackError(
      'UNPACK_MALFORMED',
      name,
      undefined,
      `declared as ${opts.kind} but the content is ${sniffed}`,
      'fix the declared archive kind, or check that the right file was fetched',
    );
  }
  const kind = opts.kind ?? sniffed;
  switch (kind) {
    case 'deb':
      return readDeb(bytes, name);
    case 'rpm':
      return (await readRpm(bytes, name)).entries;
    case 'tar':
    case 'tar.gz':
    case 'tar.xz':
    case 'tar.zst':
      return readTar(await decompress(bytes, name), name);
    default:
      throw new UnpackError(
        'UNPACK_UNKNOWN_FORMAT',
        name,
        undefined,
        'not a .deb, .rpm or (gzip/xz/zstd-compressed) tar archive',
        'pass a supported archive, or set the component kind explicitly',
      );
  }
}

/**
 * Unpack a .deb (its data.tar), .rpm (its cpio payload) or tar[.gz|.xz|.zst] below destDir,
 * in-process (spec/build.md §4). Refuses names and links that would reach outside destDir.
 */
export async function unpackArchive(
  bytes: Uint8Array,
  destDir: string,
  opts: UnpackOptions = {},
): Promise<UnpackResult> {
  const entries = await readArchive(bytes, opts);
  return extractEntries(entries, destDir, opts.name ?? 'archive', opts);
}
