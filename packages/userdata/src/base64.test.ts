import { describe, expect, it } from 'vitest';
import { decodeStrictBase64, decodeStrictBase64Bytes } from './base64.js';

const text = (b: Uint8Array | null): string | null =>
  b === null ? null : Buffer.from(b).toString('latin1');

describe('decodeStrictBase64 (§4.3 item 6)', () => {
  it('decodes padded and unpadded groups', () => {
    expect(text(decodeStrictBase64('aGVsbG8='))).toBe('hello');
    expect(text(decodeStrictBase64('aGk='))).toBe('hi');
    expect(text(decodeStrictBase64('aA=='))).toBe('h');
    expect(text(decodeStrictBase64('YWJj'))).toBe('abc');
    expect(text(decodeStrictBase64(''))).toBe('');
  });
  it('removes SP, TAB, CR and LF anywhere', () => {
    expect(text(decodeStrictBase64(' aGVs\r\nbG8=\t\n'))).toBe('hello');
  });
  it('ignores non-zero unused bits', () => {
    expect(text(decodeStrictBase64('aB=='))).toBe('h');
    expect(text(decodeStrictBase64('aGl='))).toBe('hi');
  });
  it('rejects bad length, alphabet and padding', () => {
    for (const bad of [
      'aGk',
      'aGVsbG8',
      'a-8=',
      'a_8=',
      '====',
      'A===',
      'AB=C',
      'AA==AAAA',
      '=AAA',
      'aGk=\v',
      'é',
    ]) {
      expect(decodeStrictBase64(bad), bad).toBeNull();
    }
  });
  it('agrees with Buffer on random bytes', () => {
    for (let n = 0; n < 40; n++) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 97 + n * 13) & 0xff);
      const b64 = Buffer.from(bytes).toString('base64');
      expect(decodeStrictBase64(b64)).toEqual(bytes);
      expect(decodeStrictBase64Bytes(new TextEncoder().encode(b64))).toEqual(bytes);
    }
  });
});
