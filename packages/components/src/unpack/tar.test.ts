import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UnpackError } from './errors.js';
import { readTar } from './tar.js';
import { writeTar } from './test-writers.js';

const work = mkdtempSync(join(tmpdir(), 'ucvm-tar-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const longDir = `${'d'.repeat(60)}/${'e'.repeat(60)}`;
const longName = `${longDir}/${'f'.repeat(120)}.txt`;

function hostTree(): string {
  const src = join(work, 'src');
  mkdirSync(join(src, longDir), { recursive: true });
  writeFileSync(join(src, longName), 'long\n');
  writeFileSync(join(src, longDir, 'short.txt'), 'split\n');
  writeFileSync(join(src, 'exec.sh'), '#!/bin/sh\n');
  chmodSync(join(src, 'exec.sh'), 0o750);
  writeFileSync(join(src, 'empty'), '');
  symlinkSync(`${longDir}/${'f'.repeat(120)}.txt`, join(src, 'to-long'));
  linkSync(join(src, 'exec.sh'), join(src, 'hard.sh'));
  return src;
}

describe('readTar', () => {
  const src = hostTree();
  for (const format of ['gnu', 'pax', 'ustar'] as const) {
    it(`reads GNU tar --format=${format} output (long names, links, modes)`, () => {
      if (format === 'ustar') {
        // ustar holds long paths only as prefix + name (no long base names or link targets).
        const args = [
          '--format=ustar',
          '--no-recursion',
          '-C',
          src,
          '-cf',
          '-',
          'exec.sh',
          `${longDir}/short.txt`,
        ];
        const entries = readTar(execFileSync('tar', args));
        expect(entries.map((e) => e.name)).toEqual(['exec.sh', `${longDir}/short.txt`]);
        expect(new TextDecoder().decode(entries[1]?.data)).toBe('split\n');
        return;
      }
      const bytes = execFileSync('tar', [
        `--format=${format}`,
        '-C',
        src,
        '-cf',
        '-',
        '--sort=name',
        '.',
      ]);
      const entries = readTar(bytes);
      const byName = new Map(entries.map((e) => [e.name.replace(/^\.\//, ''), e]));
      const long = byName.get(longName);
      expect(long?.type).toBe('file');
      expect(new TextDecoder().decode(long?.data)).toBe('long\n');
      expect(byName.get('exec.sh')?.mode).toBe(0o750);
      expect(byName.get('empty')?.size).toBe(0);
      expect(byName.get('to-long')).toMatchObject({
        type: 'symlink',
        linkname: `${longDir}/${'f'.repeat(120)}.txt`,
      });
      const hard = ['exec.sh', 'hard.sh'].map((n) => byName.get(n));
      expect(hard.map((e) => e?.type).sort()).toEqual(['file', 'hardlink']);
      expect(byName.get(`${longDir}/`)?.type ?? byName.get(longDir)?.type).toBe('dir');
    });
  }

  it('reads base-256 sizes and pax size overrides', () => {
    const bytes = writeTar([{ name: 'a', data: 'abc' }]);
    // Rewrite the size field as GNU base-256.
    const h = bytes.subarray(0, 512);
    h.fill(0, 124, 136);
    h[124] = 0x80;
    h[135] = 3;
    let sum = 0;
    h.fill(0x20, 148, 156);
    for (const b of h) sum += b;
    h.set(new TextEncoder().encode(`${sum.toString(8).padStart(6, '0')}\0 `), 148);
    expect(new TextDecoder().decode(readTar(bytes)[0]?.data)).toBe('abc');
  });

  it('refuses a bad checksum, naming the member', () => {
    const bytes = writeTar([{ name: 'broken.txt', data: 'x' }]);
    bytes[0] = 'c'.charCodeAt(0);
    const error = (() => {
      try {
        readTar(bytes, 't.tar');
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(UnpackError);
    expect(error).toMatchObject({ code: 'UNPACK_MALFORMED', exitCode: 1, member: 'croken.txt' });
    expect((error as UnpackError).message).toMatch(
      /^t\.tar: member "croken\.txt": tar header checksum/,
    );
  });

  it('refuses truncated data', () => {
    const bytes = writeTar([{ name: 'big', data: 'y'.repeat(2000) }]).subarray(0, 1024);
    expect(() => readTar(bytes, 't.tar')).toThrow(
      expect.objectContaining({ code: 'UNPACK_TRUNCATED' }),
    );
  });
});
