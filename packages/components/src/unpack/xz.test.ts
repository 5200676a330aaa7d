import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decompress } from './decompress.js';

// Varied, partly incompressible input so that multi-block output really has several blocks.
const input = Buffer.concat(
  Array.from({ length: 64 }, (_, i) => createHash('sha256').update(String(i)).digest()).flatMap(
    (h, i) => [Buffer.alloc(20_000, i), h],
  ),
);
const xz = (args: string[], data: Uint8Array = input): Buffer =>
  execFileSync('xz', ['-c', ...args], { input: data, timeout: 60_000, maxBuffer: 1 << 28 });

describe('decompress xz', () => {
  for (const check of ['none', 'crc32', 'crc64', 'sha256']) {
    it(`reads a stream with check ${check}`, async () => {
      expect(Buffer.from(await decompress(xz([`--check=${check}`]), 'a.xz')).equals(input)).toBe(
        true,
      );
    });
  }

  it('reads multi-block SHA-256 streams, concatenated streams and stream padding', async () => {
    const multi = xz(['--check=sha256', '--block-size=100000']);
    const second = xz(['--check=crc32'], Buffer.from('tail'));
    const joined = Buffer.concat([
      multi,
      Buffer.alloc(8),
      second,
      xz(['--check=sha256'], Buffer.from('x')),
    ]);
    const out = Buffer.from(await decompress(joined, 'j.xz'));
    expect(out.equals(Buffer.concat([input, Buffer.from('tailx')]))).toBe(true);
  });

  it('detects a wrong SHA-256 block check', async () => {
    const bytes = xz(['--check=sha256']);
    // The block's 32-byte check sits right before the index; flip one of its bytes.
    const footerIndexSize = (bytes.readUInt32LE(bytes.length - 8) + 1) * 4;
    const at = bytes.length - 12 - footerIndexSize - 1;
    bytes.writeUInt8(bytes.readUInt8(at) ^ 0x01, at);
    await expect(decompress(bytes, 'bad.xz', 'data.tar.xz')).rejects.toThrow(
      /^bad\.xz: member "data\.tar\.xz": xz block at output offset 0 fails its SHA-256 check/,
    );
  });

  it('detects corrupt data and truncation', async () => {
    const bytes = xz(['--check=crc64']);
    const corrupt = Buffer.from(bytes);
    corrupt.writeUInt8(corrupt.readUInt8(corrupt.length >> 1) ^ 0xff, corrupt.length >> 1);
    await expect(decompress(corrupt, 'c.xz')).rejects.toMatchObject({ code: 'UNPACK_DECOMPRESS' });
    await expect(decompress(bytes.subarray(0, bytes.length - 30), 't.xz')).rejects.toMatchObject({
      code: 'UNPACK_DECOMPRESS',
    });
  });
});

describe('decompress gzip and zstd', () => {
  it('reads host gzip and zstd (including concatenated frames)', async () => {
    const gz = execFileSync('gzip', ['-c'], { input, timeout: 60_000 });
    expect(Buffer.from(await decompress(gz, 'a.gz')).equals(input)).toBe(true);
    const zst = (d: Uint8Array): Buffer =>
      execFileSync('zstd', ['-q', '-c', '-19'], { input: d, timeout: 60_000 });
    const joined = Buffer.concat([zst(input), zst(Buffer.from('tail'))]);
    expect(
      Buffer.from(await decompress(joined, 'a.zst')).equals(
        Buffer.concat([input, Buffer.from('tail')]),
      ),
    ).toBe(true);
  });

  it('refuses bzip2 with a hint', async () => {
    const bz = Buffer.from('BZh91AY&SY');
    await expect(decompress(bz, 'a.bz2')).rejects.toMatchObject({
      code: 'UNPACK_UNSUPPORTED',
      hint: expect.stringMatching(/gzip, xz or zstd/),
    });
  });
});
