import { describe, expect, it } from 'vitest';
import {
  dosDateTime,
  lfnChecksum,
  lfnEntries,
  parseDirectory,
  shortEntry,
  shortNameFor,
} from './directory.js';

const show = (name: string, taken = new Set<string>()) => {
  const s = shortNameFor(name, taken);
  return [s.raw.toString('latin1'), s.ntres, s.needsLfn];
};

describe('FAT short names', () => {
  it('keeps one-case 8.3 names with NTRes flags and no LFN', () => {
    expect(show('version')).toEqual(['VERSION    ', 0x08, false]);
    expect(show('isolinux.bin')).toEqual(['ISOLINUXBIN', 0x18, false]);
    expect(show('BOOTX64.EFI')).toEqual(['BOOTX64 EFI', 0, false]);
    expect(show('EFI.cfg')).toEqual(['EFI     CFG', 0x10, false]);
  });

  it('gives numeric-tail names like mtools (image-recipes.md §2.4)', () => {
    expect(show('.ucernvm_boot_loader')).toEqual(['UCERNV~1   ', 0, true]);
    expect(show('extra-user-data')).toEqual(['EXTRA-~1   ', 0, true]);
    expect(show('Mixed.txt')).toEqual(['MIXED~1 TXT', 0, true]);
    const taken = new Set<string>();
    expect(show('file-one.data', taken)[0]).toBe('FILE-O~1DAT');
    expect(show('file-two.data', taken)[0]).toBe('FILE-T~1DAT');
    expect(show('file-oxx.data', taken)[0]).toBe('FILE-O~2DAT');
    // a case-only clash falls back to a tail name
    const t2 = new Set<string>();
    show('readme', t2);
    expect(show('README', t2)).toEqual(['README~1   ', 0, true]);
  });

  it('refuses names FAT cannot store', () => {
    for (const bad of ['a:b', 'x*', 'trailing.', '..', 'a'.repeat(256)]) {
      expect(() => shortNameFor(bad, new Set())).toThrow(
        expect.objectContaining({ code: 'FAT_BAD_NAME' }),
      );
    }
  });
});

describe('FAT entries', () => {
  it('round-trips LFN + short entries through parseDirectory', () => {
    const name = 'a-name-that-is-quite-a-bit-longer-than-thirteen.characters';
    const sn = shortNameFor(name, new Set());
    const lfn = lfnEntries(name, sn.raw);
    expect(lfn.length).toBe(Math.ceil(name.length / 13));
    expect(lfn[0]![0]).toBe(0x40 | lfn.length);
    const e = shortEntry({
      raw: sn.raw,
      attr: 0x20,
      cluster: 0x12345,
      size: 99,
      epoch: 1700000000,
    });
    const parsed = parseDirectory(Buffer.concat([...lfn, e]));
    expect(parsed).toEqual([
      expect.objectContaining({ name, cluster: 0x12345, size: 99, shortName: 'A-NAME~1.CHA' }),
    ]);
    expect(lfnChecksum(Buffer.from('UCERNV~1   '))).toBe(
      lfnEntries('x', Buffer.from('UCERNV~1   '))[0]![13],
    );
  });

  it('stores SOURCE_DATE_EPOCH as UTC DOS time, clamped to 1980', () => {
    // 2023-11-14 22:13:20 UTC
    expect(dosDateTime(1700000000)).toEqual({
      date: (43 << 9) | (11 << 5) | 14,
      time: (22 << 11) | (13 << 5) | 10,
    });
    expect(dosDateTime(0)).toEqual({ date: (1 << 5) | 1, time: 0 });
  });
});
