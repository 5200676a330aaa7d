import { describe, expect, it } from 'vitest';
import { parseDiskSize } from './size.js';

describe('parseDiskSize', () => {
  it('reads whole numbers with binary units', () => {
    expect(parseDiskSize('2G')).toBe(2 * 2 ** 30);
    expect(parseDiskSize('2GiB')).toBe(2 * 2 ** 30);
    expect(parseDiskSize('512m')).toBe(512 * 2 ** 20);
    expect(parseDiskSize('1T')).toBe(2 ** 40);
    expect(parseDiskSize('1048577')).toBe(2 ** 20 + 512); // rounded up to a sector
  });

  it('refuses what is not a size or out of 1M..16T, naming the value', () => {
    for (const bad of ['', 'big', '2.5G', '-1G', '1P', '1023K', '17T', '0']) {
      expect(() => parseDiskSize(bad), bad).toThrow(/--disk/);
    }
  });
});
