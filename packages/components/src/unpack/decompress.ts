import { gunzipSync } from 'node:zlib';
import { decompress as zstdDecompress } from 'fzstd';
import { HINT_CORRUPT, UnpackError } from './errors.js';
import { decompressXz } from './xz.js';

export type Compression = 'none' | 'gzip' | 'xz' | 'zstd' | 'bzip2' | 'lzma';

const startsWith = (bytes: Uint8Array, magic: number[]): boolean =>
  magic.every((m, i) => bytes[i] === m);

/** Compression of a byte stream, from its magic number. */
export function sniffCompression(bytes: Uint8Array): Compression {
  if (startsWith(bytes, [0x1f, 0x8b])) return 'gzip';
  if (startsWith(bytes, [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])) return 'xz';
  if (startsWith(bytes, [0x28, 0xb5, 0x2f, 0xfd])) return 'zstd';
  if (startsWith(bytes, [0x42, 0x5a, 0x68])) return 'bzip2';
  if (startsWith(bytes, [0x5d, 0x00, 0x00])) return 'lzma';
  return 'none';
}

/**
 * Decompress in-process: gzip with node:zlib, xz with xz-embedded (WebAssembly), zstd with
 * fzstd (pure JS; it does not verify the optional frame checksum, so integrity of zstd input
 * rests on the sha256 pin of the download, spec/build.md §4).
 */
export async function decompress(
  bytes: Uint8Array,
  archive: string,
  member?: string,
): Promise<Uint8Array> {
  const kind = sniffCompression(bytes);
  try {
    switch (kind) {
      case 'none':
        return bytes;
      case 'gzip':
        return gunzipSync(bytes); // also reads concatenated gzip members
      case 'xz':
        return await decompressXz(bytes, archive, member);
      case 'zstd':
        return zstdDecompress(bytes);
      default:
        throw new UnpackError(
          'UNPACK_UNSUPPORTED',
          archive,
          member,
          `${kind} compression is not supported`,
          'use a gzip, xz or zstd compressed archive',
        );
    }
  } catch (error) {
    if (error instanceof UnpackError) throw error;
    const detail = error instanceof Error ? error.message : String(error);
    throw new UnpackError(
      'UNPACK_DECOMPRESS',
      archive,
      member,
      `${kind} data is corrupt (${detail})`,
      HINT_CORRUPT,
      {
        cause: error,
      },
    );
  }
}
