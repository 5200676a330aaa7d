import { execFileSync } from 'node:child_process';
import { linkSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readCpioNewc } from './cpio-newc.js';
import { writeCpioNewc } from './test-writers.js';

const work = mkdtempSync(join(tmpdir(), 'ucvm-cpio-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('readCpioNewc', () => {
  it('reads GNU cpio -H newc output; hard links become file + hardlink entries', () => {
    mkdirSync(join(work, 'd'));
    writeFileSync(join(work, 'd/a'), 'data-a');
    linkSync(join(work, 'd/a'), join(work, 'd/b'));
    symlinkSync('a', join(work, 'd/s'));
    const bytes = execFileSync('cpio', ['-o', '-H', 'newc', '--quiet'], {
      cwd: work,
      input: 'd\nd/a\nd/b\nd/s\n',
      timeout: 30_000,
    });
    const entries = readCpioNewc(bytes);
    expect(entries.map((e) => [e.name, e.type, e.linkname])).toEqual([
      ['d', 'dir', ''],
      // GNU cpio stores the data with the last link of the set: that one becomes the file.
      ['d/b', 'file', ''],
      ['d/a', 'hardlink', 'd/b'],
      ['d/s', 'symlink', 'a'],
    ]);
    expect(new TextDecoder().decode(entries[1]?.data)).toBe('data-a');
  });

  it('reads the 070702 variant and modes', () => {
    const bytes = writeCpioNewc([{ name: './x', mode: 0o100755, data: 'hi' }]);
    bytes.set(new TextEncoder().encode('070702'), 0);
    expect(readCpioNewc(bytes)).toMatchObject([
      { name: './x', type: 'file', mode: 0o755, size: 2 },
    ]);
  });

  it('refuses a missing trailer and bad magic', () => {
    const bytes = writeCpioNewc([{ name: './x', mode: 0o100644, data: 'hi' }]);
    expect(() => readCpioNewc(bytes.subarray(0, 116), 'p')).toThrow(
      /^p: cpio member at offset 0 runs past/,
    );
    expect(() => readCpioNewc(bytes.subarray(0, 120), 'p')).toThrow(
      /^p: cpio header at offset 120 is cut short \(no TRAILER!!!\)/,
    );
    expect(() => readCpioNewc(new Uint8Array(200), 'p')).toThrow(/no newc cpio magic/);
  });
});
