import { createHash } from 'node:crypto';
import xzDecompress from 'xz-decompress';
import { crc32 } from './crc32.js';
import { HINT_CORRUPT, UnpackError } from './errors.js';

// .xz container (The .xz File Format 1.2.0, tukaani.org):
// Stream Header 12 bytes: magic FD 37 7A 58 5A 00 @0, flags[2] @6 (check id in byte 7), CRC32 @8.
// Blocks: header (size byte*4+4) + compressed data + padding to 4 + check (0/4/8/32 bytes).
// Index: 0x00, count (varint), records (unpadded size, uncompressed size), padding, CRC32.
// Stream Footer 12 bytes: CRC32 @0, backward size @4 ((index size / 4) - 1), flags @8, "YZ" @10.
// Streams may be concatenated with zero padding (multiples of 4) between them.

const XZ_MAGIC = [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00];
const CHECK_SHA256 = 0x0a;
const CHECK_SIZES: Record<number, number> = { 0: 0, 1: 4, 4: 8, 10: 32 };

interface XzBlock {
  unpadded: number;
  uncompressed: number;
}
interface XzStream {
  start: number;
  end: number;
  check: number;
  blocks: XzBlock[];
}

const u32le = (b: Uint8Array, at: number): number =>
  ((b[at] ?? 0) | ((b[at + 1] ?? 0) << 8) | ((b[at + 2] ?? 0) << 16) | ((b[at + 3] ?? 0) << 24)) >>>
  0;

function putU32le(value: number): number[] {
  return [value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, (value >>> 24) & 0xff];
}

function varint(value: number): number[] {
  const out: number[] = [];
  let v = value;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return out;
}

const roundUp4 = (n: number): number => Math.ceil(n / 4) * 4;

/** Locate every stream and its block sizes by walking back from the last footer. */
function parseStreams(bytes: Uint8Array, fail: (what: string) => never): XzStream[] {
  const streams: XzStream[] = [];
  let end = bytes.length;
  while (end > 0) {
    while (end >= 4 && u32le(bytes, end - 4) === 0) end -= 4; // stream padding
    if (end === 0) break;
    if (end < 24 || bytes[end - 2] !== 0x59 || bytes[end - 1] !== 0x5a) fail('no xz stream footer');
    const footer = end - 12;
    const indexSize = (u32le(bytes, footer + 4) + 1) * 4;
    const check = bytes[footer + 9] ?? 0;
    const indexStart = footer - indexSize;
    if (indexStart < 12 || bytes[indexStart] !== 0x00) fail('bad xz index position');
    let at = indexStart + 1;
    const readVarint = (): number => {
      let value = 0;
      for (let i = 0, scale = 1; i < 9; i++, scale *= 0x80) {
        const b = bytes[at++];
        if (b === undefined || at > footer) fail('xz index runs past its end');
        value += (b & 0x7f) * scale;
        if (!(b & 0x80)) return value;
      }
      return fail('bad xz index number');
    };
    const count = readVarint();
    const blocks: XzBlock[] = [];
    let blocksSize = 0;
    for (let i = 0; i < count; i++) {
      const unpadded = readVarint();
      blocks.push({ unpadded, uncompressed: readVarint() });
      blocksSize += roundUp4(unpadded);
    }
    const start = indexStart - blocksSize - 12;
    if (
      start < 0 ||
      XZ_MAGIC.some((m, i) => bytes[start + i] !== m) ||
      bytes[start + 7] !== check
    ) {
      fail('xz stream header does not match its footer');
    }
    streams.unshift({ start, end, check, blocks });
    end = start;
  }
  if (streams.length === 0) fail('empty xz data');
  return streams;
}

/** Rebuild a SHA-256-checked stream with check "none"; return the block hashes to verify. */
function withoutSha256(
  bytes: Uint8Array,
  stream: XzStream,
): { stream: Uint8Array; hashes: Uint8Array[] } {
  const flags = [0x00, 0x00];
  const parts: Uint8Array[] = [
    Uint8Array.from([...XZ_MAGIC, ...flags, ...putU32le(crc32(Uint8Array.from(flags)))]),
  ];
  const hashes: Uint8Array[] = [];
  const index: number[] = [0x00, ...varint(stream.blocks.length)];
  let at = stream.start + 12;
  for (const block of stream.blocks) {
    const total = roundUp4(block.unpadded);
    parts.push(bytes.subarray(at, at + total - 32));
    hashes.push(bytes.subarray(at + total - 32, at + total));
    index.push(...varint(block.unpadded - 32), ...varint(block.uncompressed));
    at += total;
  }
  while (index.length % 4) index.push(0);
  index.push(...putU32le(crc32(Uint8Array.from(index))));
  const backward = [...putU32le(index.length / 4 - 1), ...flags];
  parts.push(Uint8Array.from(index));
  parts.push(
    Uint8Array.from([...putU32le(crc32(Uint8Array.from(backward))), ...backward, 0x59, 0x5a]),
  );
  return { stream: Buffer.concat(parts), hashes };
}

/**
 * Decompress .xz data in-process (xz-embedded compiled to WebAssembly, via `xz-decompress`).
 * xz-embedded verifies CRC32/CRC64 checks but cannot read SHA-256-checked streams (rpm's
 * default): those are rewritten to check "none" and their block hashes verified here.
 */
export async function decompressXz(
  bytes: Uint8Array,
  archive: string,
  member?: string,
): Promise<Uint8Array> {
  const fail = (what: string): never => {
    throw new UnpackError('UNPACK_DECOMPRESS', archive, member, what, HINT_CORRUPT);
  };
  const streams = parseStreams(bytes, fail);
  for (const s of streams)
    if (CHECK_SIZES[s.check] === undefined) fail(`unsupported xz check type ${s.check}`);
  const input: Uint8Array[] = [];
  const toVerify: { offset: number; size: number; hash: Uint8Array }[] = [];
  let outOffset = 0;
  let copied = 0;
  for (const s of streams) {
    if (s.check === CHECK_SHA256) {
      input.push(bytes.subarray(copied, s.start));
      const { stream, hashes } = withoutSha256(bytes, s);
      input.push(stream);
      s.blocks.forEach((block, i) => {
        toVerify.push({
          offset: outOffset,
          size: block.uncompressed,
          hash: hashes[i] ?? new Uint8Array(),
        });
        outOffset += block.uncompressed;
      });
      copied = s.end;
    } else {
      for (const block of s.blocks) outOffset += block.uncompressed;
    }
  }
  input.push(bytes.subarray(copied));
  let output: Uint8Array;
  try {
    const stream = new xzDecompress.XzReadableStream(new Blob(input).stream());
    output = new Uint8Array(await new Response(stream).arrayBuffer());
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new UnpackError(
      'UNPACK_DECOMPRESS',
      archive,
      member,
      `xz data is corrupt (${detail})`,
      HINT_CORRUPT,
      { cause: error },
    );
  }
  if (output.length !== outOffset)
    fail(`xz output is ${output.length} bytes, its index says ${outOffset}`);
  for (const { offset, size, hash } of toVerify) {
    const actual = createHash('sha256')
      .update(output.subarray(offset, offset + size))
      .digest();
    if (!actual.equals(hash)) fail(`xz block at output offset ${offset} fails its SHA-256 check`);
  }
  return output;
}
