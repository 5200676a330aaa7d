import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run, scratch } from '../../test/host.js';
import { concatChunks } from '../output.js';
import { isUstar, readUstar } from './reader.js';
import { writeUstar } from './ustar.js';

const dir = scratch();

describe('readUstar', () => {
  it('reads what writeUstar writes', () => {
    const tar = concatChunks(
      writeUstar(
        [
          { name: 'apply', type: 'file', data: Buffer.from('version=x\n') },
          { name: 'boot', type: 'dir' },
          { name: `${'d'.repeat(120)}/file`, type: 'file', data: Buffer.alloc(1000, 7) },
        ],
        { sourceDateEpoch: 1700000000 },
      ),
    );
    expect(isUstar(tar)).toBe(true);
    const m = readUstar(tar);
    expect(m.map((x) => [x.name, x.type, x.size, x.mode, x.mtime])).toEqual([
      ['apply', 'file', 10, 0o644, 1700000000],
      ['boot', 'dir', 0, 0o755, 1700000000],
      [`${'d'.repeat(120)}/file`, 'file', 1000, 0o644, 1700000000],
    ]);
    expect(Buffer.from(m[0]!.data).toString()).toBe('version=x\n');
    expect(m[2]!.data.every((b) => b === 7)).toBe(true);
  });

  it('reads a GNU tar archive with a long name, a symlink and a pax header', () => {
    const src = join(dir, 'src');
    run('mkdir', ['-p', join(src, 'sub')]);
    const long = `${'n'.repeat(150)}.txt`;
    writeFileSync(join(src, 'sub', long), 'long\n');
    writeFileSync(join(src, 'plain'), 'plain\n');
    run('ln', ['-s', 'plain', join(src, 'link')]);
    for (const [format, file] of [
      ['gnu', 'gnu.tar'],
      ['pax', 'pax.tar'],
    ] as const) {
      const tarPath = join(dir, file);
      run('tar', [`--format=${format}`, '--sort=name', '-cf', tarPath, '-C', src, '.']);
      const listed = run('tar', ['-tf', tarPath])
        .split('\n')
        .filter(Boolean)
        .map((n) => n.replace(/^\.\//, '').replace(/\/$/, ''))
        .filter((n) => n !== '.' && n !== '');
      const m = readUstar(new Uint8Array(readFileSync(tarPath)));
      const names = m.map((x) => x.name.replace(/^\.\//, '')).filter((n) => n !== '.' && n !== '');
      expect(names).toEqual(listed);
      const l = m.find((x) => x.name.endsWith(long))!;
      expect(Buffer.from(l.data).toString()).toBe('long\n');
      expect(m.find((x) => x.name.endsWith('link'))).toMatchObject({
        type: 'symlink',
        target: 'plain',
      });
    }
  });

  it('refuses a cut archive and a damaged header', () => {
    const tar = concatChunks(
      writeUstar([{ name: 'a', type: 'file', data: Buffer.alloc(5000, 1) }], {
        sourceDateEpoch: 1700000000,
      }),
    );
    expect(() => readUstar(tar.subarray(0, 3000))).toThrow(
      expect.objectContaining({ code: 'TAR_TRUNCATED' }),
    );
    const bad = Buffer.from(tar);
    bad[10] = 0x41;
    expect(() => readUstar(bad)).toThrow(expect.objectContaining({ code: 'TAR_BAD_HEADER' }));
  });
});
