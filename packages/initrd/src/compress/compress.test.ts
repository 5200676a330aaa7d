import { randomFillSync } from 'node:crypto';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { InitrdError } from '../errors.js';
import {
  type Compression,
  compress,
  decompress,
  detectCompression,
  parseCompression,
} from './compress.js';
import { XZ_CHECK_CRC32, xzCheckType } from './xz-header.js';

// Half compressible text, half noise: enough to exercise real blocks, quick to compress.
const input = Buffer.concat([
  Buffer.from('µCernVM initrd '.repeat(20_000)),
  randomFillSync(Buffer.alloc(64 * 1024)),
]);

const testers: Record<Exclude<Compression, 'none'>, string[]> = {
  gzip: ['gzip', '-t'],
  xz: ['xz', '-t'],
  zstd: ['zstd', '-t', '-q'],
};

describe('compress', () => {
  for (const kind of ['gzip', 'xz', 'zstd'] as const) {
    it(`${kind}: host tool accepts it, round-trips, same bytes twice`, async () => {
      const a = await compress(input, kind);
      const b = await compress(input, kind);
      expect(Buffer.compare(Buffer.from(a.bytes), Buffer.from(b.bytes))).toBe(0);
      expect(a.bytes.length).toBeLessThan(input.length);
      expect(detectCompression(a.bytes)).toBe(kind);
      const [tool, ...args] = testers[kind] as [string, ...string[]];
      const t = await execa(tool, args, { input: Buffer.from(a.bytes), reject: false });
      expect(t.exitCode).toBe(0);
      expect(Buffer.compare(Buffer.from(await decompress(a.bytes)), input)).toBe(0);
      expect(a.tool).not.toBe('');
    });
  }

  it('xz stream header says CRC32, as the kernel requires', async () => {
    const { bytes, tool } = await compress(input, 'xz');
    expect(bytes[7]).toBe(0x01);
    expect(xzCheckType(bytes)).toBe(XZ_CHECK_CRC32);
    expect(tool).toMatch(/^xz \(XZ Utils\) \d+\.\d+/);
  });

  it('gzip header has mtime 0 and no file name', async () => {
    const { bytes } = await compress(input, 'gzip');
    expect([...bytes.subarray(4, 8)]).toEqual([0, 0, 0, 0]);
    expect((bytes[3] as number) & 0x08).toBe(0);
  });

  it('zstd frame records the content size', async () => {
    const { bytes } = await compress(input, 'zstd');
    // RFC 8878 §3.1.1.1.1: Frame_Header_Descriptor; FCS_Field_Size flag in bits 7-6.
    const fhd = bytes[4] as number;
    const fcsBytes = [1, 2, 4, 8][fhd >> 6] as number;
    const windowDescriptor = fhd & 0x20 ? 0 : 1;
    const dictBytes = [0, 1, 2, 4][fhd & 3] as number;
    expect(fhd >> 6).toBeGreaterThan(0);
    const at = 5 + windowDescriptor + dictBytes;
    const size = Buffer.from(bytes.subarray(at, at + fcsBytes)).readUIntLE(
      0,
      Math.min(fcsBytes, 6),
    );
    expect(size - (fcsBytes === 2 ? 256 : 0)).toBe(input.length);
  });

  it('none passes the bytes through and unknown names are refused with exit code 2', async () => {
    expect((await compress(input, 'none')).bytes).toBe(input);
    expect(parseCompression('zstd')).toBe('zstd');
    expect(() => parseCompression('lz4')).toThrow(InitrdError);
    expect(() => parseCompression('bzip2')).toThrow(
      expect.objectContaining({ exitCode: 2, hint: expect.stringContaining('xz') }),
    );
  });
});
