import { describe, expect, it } from 'vitest';
import { fnmatch, normalizeAlias } from './fnmatch.js';

describe('fnmatch (modules.alias patterns)', () => {
  it('matches *, ? and bracket expressions, anchored', () => {
    const pci = 'pci:v00001AF4d00001001sv*sd*bc*sc*i*';
    expect(fnmatch(pci, 'pci:v00001AF4d00001001sv00001AF4sd00000002bc01sc00i00')).toBe(true);
    expect(fnmatch(pci, 'pci:v00001AF4d00001002sv00001AF4sd00000002bc01sc00i00')).toBe(false);
    expect(fnmatch('a?c', 'abc')).toBe(true);
    expect(fnmatch('a?c', 'abbc')).toBe(false);
    expect(fnmatch('x[0-9]', 'x7')).toBe(true);
    expect(fnmatch('x[!0-9]', 'x7')).toBe(false);
    expect(fnmatch('a.b', 'aXb')).toBe(false);
    expect(fnmatch('fs-ext4', 'fs-ext4x')).toBe(false);
  });

  it("normalises '-' to '_' outside brackets, as kmod does", () => {
    expect(normalizeAlias('crypto-crc32c')).toBe('crypto_crc32c');
    expect(normalizeAlias('a-[x-z]-b')).toBe('a_[x-z]_b');
  });
});
