import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { gunzip } from './gzip.js';

const text = (b: Uint8Array | null) => (b === null ? null : Buffer.from(b).toString('latin1'));
const gz = (s: string) => gzipSync(Buffer.from(s, 'latin1'));

describe('gunzip (§4.2)', () => {
  it('decodes one member and concatenated members', () => {
    expect(text(gunzip(gz('hello'), 100))).toBe('hello');
    expect(text(gunzip(Buffer.concat([gz('ab'), gz(''), gz('cd')]), 100))).toBe('abcd');
  });
  it('tolerates trailing zero bytes only', () => {
    expect(text(gunzip(Buffer.concat([gz('ab'), Buffer.alloc(7)]), 100))).toBe('ab');
    expect(gunzip(Buffer.concat([gz('ab'), Buffer.from('x')]), 100)).toBeNull();
    expect(gunzip(Buffer.concat([gz('ab'), Buffer.from([0, 1])]), 100)).toBeNull();
    expect(gunzip(Buffer.concat([gz('ab'), Buffer.from([0x1f, 0x8b])]), 100)).toBeNull();
  });
  it('handles FNAME, FCOMMENT, FEXTRA and FHCRC headers', () => {
    const body = gz('xyz');
    const header = Buffer.from([0x1f, 0x8b, 8, 0x1e, 0, 0, 0, 0, 0, 3]);
    const extra = Buffer.from([2, 0, 0xaa, 0xbb]);
    const withAll = Buffer.concat([
      header,
      extra,
      Buffer.from('name\0comment\0'),
      Buffer.from([0, 0]),
      body.subarray(10),
    ]);
    expect(text(gunzip(withAll, 100))).toBe('xyz');
  });
  it('rejects truncation, corruption, bad CRC and output over the limit', () => {
    const g = gz('hello world');
    expect(gunzip(g.subarray(0, g.length - 1), 100)).toBeNull();
    expect(gunzip(g.subarray(0, 12), 100)).toBeNull();
    expect(gunzip(Buffer.from([0x1f, 0x8b]), 100)).toBeNull();
    const badCrc = Buffer.from(g);
    badCrc.writeUInt8(badCrc.readUInt8(g.length - 8) ^ 1, g.length - 8);
    expect(gunzip(badCrc, 100)).toBeNull();
    const badSize = Buffer.from(g);
    badSize.writeUInt8(badSize.readUInt8(g.length - 1) ^ 1, g.length - 1);
    expect(gunzip(badSize, 100)).toBeNull();
    expect(text(gunzip(g, 11))).toBe('hello world');
    expect(gunzip(g, 10)).toBeNull();
    expect(gunzip(Buffer.concat([gz('abc'), gz('def')]), 5)).toBeNull();
    const reserved = Buffer.from(g);
    reserved[3] = 0x20;
    expect(gunzip(reserved, 100)).toBeNull();
  });
});
