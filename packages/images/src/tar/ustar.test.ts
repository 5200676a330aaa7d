import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run, scratch } from '../../test/host.js';
import { ImagesError } from '../errors.js';
import { concatChunks, writeImageFile } from '../output.js';
import { writeUstar } from './ustar.js';

const dir = scratch();
const EPOCH = 1_700_000_000;

const bytes = (n: number, seed: number) => {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed) & 0xff;
  return b;
};

describe('writeUstar', () => {
  const members = [
    { name: 'apply', type: 'file' as const, data: Buffer.from('version=1\n') },
    { name: 'initrd.2026.11-1.cernvm.x86_64', type: 'file' as const, data: bytes(70_000, 1) },
    { name: 'empty', type: 'file' as const, data: Buffer.alloc(0), mode: 0o600 },
    { name: 'sub', type: 'dir' as const },
    { name: `sub/${'d'.repeat(90)}/${'n'.repeat(20)}`, type: 'file' as const, data: bytes(512, 7) },
    { name: 'vmlinuz-6.1.192-2-1.cernvm.x86_64.xz', type: 'file' as const, data: bytes(1023, 3) },
  ];

  it('is listed by GNU tar with root ownership, the epoch and the modes', async () => {
    const path = join(dir, 'a.tar');
    const size = await writeImageFile(path, writeUstar(members, { sourceDateEpoch: EPOCH }));
    expect(size % 10240).toBe(0);
    expect(statSync(path).size).toBe(size);
    const list = run('tar', ['--utc', '--numeric-owner', '-tvf', path]).trim().split('\n');
    expect(list).toHaveLength(members.length);
    expect(list[0]).toMatch(/^-rw-r--r-- 0\/0 +10 2023-11-14 22:13 apply$/);
    expect(list[2]).toMatch(/^-rw------- 0\/0 +0 2023-11-14 22:13 empty$/);
    expect(list[3]).toMatch(/^drwxr-xr-x 0\/0 +0 2023-11-14 22:13 sub\/$/);
    expect(list[4]).toContain(`sub/${'d'.repeat(90)}/${'n'.repeat(20)}`);
    expect(run('tar', ['-tvf', path])).toContain('root/root');
  });

  it('extracts to the same bytes', async () => {
    const path = join(dir, 'b.tar');
    await writeImageFile(path, writeUstar(members, { sourceDateEpoch: EPOCH }));
    const out = join(dir, 'b');
    mkdirSync(out);
    run('tar', ['-xf', path, '-C', out]);
    for (const m of members) {
      if (m.type !== 'file') continue;
      expect(Buffer.compare(readFileSync(join(out, m.name)), m.data)).toBe(0);
    }
    expect(statSync(join(out, 'apply')).mtimeMs).toBe(EPOCH * 1000);
  });

  it('is deterministic and depends only on entries and epoch', () => {
    const a = concatChunks(writeUstar(members, { sourceDateEpoch: EPOCH }));
    const b = concatChunks(writeUstar(members, { sourceDateEpoch: EPOCH }));
    const c = concatChunks(writeUstar(members, { sourceDateEpoch: EPOCH + 1 }));
    expect(Buffer.compare(a, b)).toBe(0);
    expect(Buffer.compare(a, c)).not.toBe(0);
  });

  it('refuses duplicate, absolute and too long names', () => {
    const w = (name: string) =>
      writeUstar(
        [
          { name, type: 'file', data: Buffer.from('x') },
          { name: 'dup', type: 'file' },
          { name: 'dup', type: 'file' },
        ],
        { sourceDateEpoch: EPOCH },
      );
    expect(() => w('a')).toThrow(expect.objectContaining({ code: 'TAR_DUPLICATE' }));
    expect(() => w('/etc/passwd')).toThrow(ImagesError);
    expect(() => w('../x')).toThrow(expect.objectContaining({ code: 'TAR_BAD_NAME' }));
    expect(() => w('x'.repeat(101))).toThrow(
      expect.objectContaining({ code: 'TAR_NAME_TOO_LONG' }),
    );
  });
});
