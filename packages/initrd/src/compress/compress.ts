import { gzipSync } from 'node:zlib';
import { execa } from 'execa';
import { InitrdError } from '../errors.js';
import { XZ_CHECK_CRC32, xzCheckType } from './xz-header.js';

/**
 * Initrd compression (build.md §1: xz with the CRC32 check by default, gzip and zstd
 * selectable). Why these encoders:
 * - gzip: node:zlib in-process; the header carries mtime 0 and no name, so the output depends
 *   only on the input and the zlib bundled with Node (recorded as `tool`).
 * - xz, zstd: Node 20 has no encoder, and the npm encoders either need Node 22
 *   (@napi-rs/lzma 1.5) or cannot choose the CRC32 check the kernel requires
 *   (Documentation/staging/xz.rst: the in-kernel decoder rejects CRC64). So the host's
 *   `xz --check=crc32 -9 -T1` and `zstd -19 -T1` (Debian packages xz-utils, zstd) are run,
 *   single-threaded so the block layout never depends on the core count. Byte identity holds
 *   for the same tool version, which is returned for the manifest.
 */
export type Compression = 'xz' | 'gzip' | 'zstd' | 'none';
export const COMPRESSIONS: readonly Compression[] = ['xz', 'gzip', 'zstd', 'none'];

export interface CompressResult {
  bytes: Uint8Array;
  compression: Compression;
  /** Encoder and its version, e.g. "xz (XZ Utils) 5.4.1" or "node:zlib 1.3.0.1-motley". */
  tool: string;
}

export function parseCompression(value: string): Compression {
  if ((COMPRESSIONS as readonly string[]).includes(value)) return value as Compression;
  throw new InitrdError(
    'COMPRESSION_UNKNOWN',
    `compression ${JSON.stringify(value)} is not supported`,
    `choose one of ${COMPRESSIONS.join(', ')}`,
    2,
  );
}

const TOOL_PACKAGE: Record<string, string> = { xz: 'xz-utils', zstd: 'zstd' };

async function run(tool: 'xz' | 'zstd', args: string[], input: Uint8Array): Promise<Uint8Array> {
  try {
    const result = await execa(tool, args, {
      input: Buffer.from(input.buffer, input.byteOffset, input.byteLength),
      encoding: 'buffer',
      stripFinalNewline: false,
      maxBuffer: 2 ** 31,
      env: { LC_ALL: 'C' },
      extendEnv: false,
      timeout: 10 * 60_000,
    });
    return result.stdout;
  } catch (err) {
    const e = err as { code?: string; stderr?: Uint8Array; shortMessage?: string };
    if (e.code === 'ENOENT') {
      throw new InitrdError(
        'COMPRESSION_TOOL_MISSING',
        `the ${tool} program was not found on this host`,
        `install it (apt-get install ${TOOL_PACKAGE[tool]}) or choose --compression gzip`,
      );
    }
    const stderr = e.stderr ? Buffer.from(e.stderr).toString().trim() : '';
    throw new InitrdError(
      'COMPRESSION_FAILED',
      `${tool} ${args.join(' ')} failed: ${stderr || e.shortMessage || String(err)}`,
      `check that ${tool} works on this host`,
    );
  }
}

const versions = new Map<string, Promise<string>>();

/** First line of `TOOL --version`, cached per process. */
export function toolVersion(tool: 'xz' | 'zstd'): Promise<string> {
  let v = versions.get(tool);
  if (!v) {
    v = run(tool, ['--version'], new Uint8Array(0)).then(
      (out) =>
        Buffer.from(out)
          .toString()
          .split('\n')[0]
          ?.replace(/^\*+\s*|\s*\*+$/g, '')
          .trim() ?? tool,
    );
    versions.set(tool, v);
  }
  return v;
}

export async function compress(
  input: Uint8Array,
  compression: Compression,
): Promise<CompressResult> {
  switch (compression) {
    case 'none':
      return { bytes: input, compression, tool: 'none' };
    case 'gzip':
      // zlib's default gzip header: MTIME 0, no FNAME, OS 3 (RFC 1952 §2.3).
      return {
        bytes: gzipSync(input, { level: 9 }),
        compression,
        tool: `node:zlib ${process.versions.zlib}`,
      };
    case 'xz': {
      const bytes = await run(
        'xz',
        ['--format=xz', '--check=crc32', '-9', '-T1', '-c', '-q'],
        input,
      );
      const check = xzCheckType(bytes);
      if (check !== XZ_CHECK_CRC32) {
        throw new InitrdError(
          'COMPRESSION_FAILED',
          `xz wrote a stream with check type ${check}, not CRC32 (1)`,
          'the kernel rejects other checks; use xz-utils 5.x',
        );
      }
      return { bytes, compression, tool: await toolVersion('xz') };
    }
    case 'zstd': {
      // --stream-size records the content size in the frame header, as for a file input.
      const args = ['-19', '-T1', '-c', '-q', '--no-progress', `--stream-size=${input.byteLength}`];
      return {
        bytes: await run('zstd', args, input),
        compression,
        tool: await toolVersion('zstd'),
      };
    }
  }
}

/** Recognises the compression of an initrd by its magic bytes (for `ucvm inspect`). */
export function detectCompression(bytes: Uint8Array): Compression | undefined {
  const b = (i: number) => bytes[i];
  if (b(0) === 0x1f && b(1) === 0x8b) return 'gzip';
  if (
    b(0) === 0xfd &&
    b(1) === 0x37 &&
    b(2) === 0x7a &&
    b(3) === 0x58 &&
    b(4) === 0x5a &&
    b(5) === 0
  )
    return 'xz';
  if (b(0) === 0x28 && b(1) === 0xb5 && b(2) === 0x2f && b(3) === 0xfd) return 'zstd';
  if (Buffer.from(bytes.subarray(0, 6)).toString('latin1') === '070701') return 'none';
  return undefined;
}

/** Inverse of `compress`, for inspection and tests (host xz/zstd, node:zlib). */
export async function decompress(bytes: Uint8Array): Promise<Uint8Array> {
  const kind = detectCompression(bytes);
  switch (kind) {
    case 'none':
      return bytes;
    case 'gzip': {
      const { gunzipSync } = await import('node:zlib');
      return gunzipSync(bytes);
    }
    case 'xz':
      return run('xz', ['-d', '-c', '-q'], bytes);
    case 'zstd':
      return run('zstd', ['-d', '-c', '-q'], bytes);
    default:
      throw new InitrdError(
        'CPIO_BAD_ARCHIVE',
        'the file is neither a newc cpio archive nor gzip, xz or zstd data',
        'give an initrd file',
      );
  }
}
