import { describe, expect, it } from 'vitest';
import { header } from '../test/tar-writer.js';
import { parseHeader, parseNumeric } from './tar-header.js';

const field = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'latin1'));

describe('parseNumeric (ustar octal, GNU base-256)', () => {
  it('reads octal with leading spaces and NUL or space terminators', () => {
    expect(parseNumeric(field('0000644\0'))).toBe(0o644);
    expect(parseNumeric(field('   644 \0'))).toBe(0o644);
    expect(parseNumeric(field('\0\0\0\0\0\0\0\0'))).toBe(0);
  });
  it('refuses junk after the digits', () => {
    expect(parseNumeric(field('0644x\0\0\0'))).toBeNull();
    expect(parseNumeric(field('0649\0\0\0\0'))).toBeNull();
  });
  it('reads GNU base-256, positive and negative', () => {
    expect(parseNumeric(Uint8Array.of(0x80, 0, 0, 0, 0, 0, 0x01, 0x00))).toBe(256);
    expect(parseNumeric(Uint8Array.of(0x80, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0))).toBe(2 ** 33);
    expect(parseNumeric(new Uint8Array(12).fill(0xff))).toBe(-1);
    expect(
      parseNumeric(Uint8Array.of(0x80, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff)),
    ).toBeNull();
  });
});

describe('parseHeader', () => {
  it('joins the ustar prefix and ignores it for GNU headers', () => {
    const posix = parseHeader(header({ name: 'b', prefix: 'a' }));
    expect(Buffer.from(posix?.name ?? []).toString()).toBe('a/b');
    const gnu = parseHeader(header({ name: 'b', prefix: 'a', gnu: true }));
    expect(Buffer.from(gnu?.name ?? []).toString()).toBe('b');
  });
  it('accepts a signed checksum and refuses a wrong one', () => {
    const block = header({ name: '\xe9t\xe9' });
    expect(parseHeader(block)).not.toBeNull();
    // Rewrite the checksum as the signed sum (old writers): each byte > 0x7f counts 256 less.
    let sum = 0;
    for (let i = 0; i < 512; i++) {
      const b = i >= 148 && i < 156 ? 0x20 : (block[i] as number);
      sum += b > 0x7f ? b - 256 : b;
    }
    block.set(Buffer.from(`${sum.toString(8).padStart(6, '0')}\0 `, 'latin1'), 148);
    expect(parseHeader(block)).not.toBeNull();
    block[148] = 0x37;
    expect(parseHeader(block)).toBeNull();
  });
});
