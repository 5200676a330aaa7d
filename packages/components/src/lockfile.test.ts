import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  emptyLockfile,
  type Lockfile,
  parseLockfile,
  readLockfile,
  serializeLockfile,
  writeLockfile,
} from './lockfile.js';

const entry = (n: number) => ({
  fileName: `f${n}.deb`,
  kind: 'file' as const,
  size: n,
  sha256: String(n).repeat(64).slice(0, 64),
  version: `${n}.0`,
  source: `apt:p${n}=${n}.0`,
});

describe('ucvm.lock', () => {
  it('round-trips with a stable key order, whatever the input order', async () => {
    const lock: Lockfile = { lockfileVersion: 1, components: { zeta: entry(2), alpha: entry(1) } };
    const text = serializeLockfile(lock);
    expect(text.indexOf('"alpha"')).toBeLessThan(text.indexOf('"zeta"'));
    // Fields in the documented order, not the insertion order of the entry object.
    expect(Object.keys(JSON.parse(text).components.alpha)).toEqual([
      'source',
      'version',
      'sha256',
      'size',
      'kind',
      'fileName',
    ]);
    expect(parseLockfile(text)).toEqual(lock);
    expect(serializeLockfile(parseLockfile(text))).toBe(text);

    const dir = await mkdtemp(join(tmpdir(), 'ucvm-lock-'));
    try {
      const path = join(dir, 'ucvm.lock');
      expect(await readLockfile(path)).toEqual(emptyLockfile());
      await writeLockfile(path, lock);
      expect(await readFile(path, 'utf8')).toBe(text);
      expect(await readLockfile(path)).toEqual(lock);
      await writeFile(path, text.replace(/"size": 1,/, '"size": "one",'));
      await expect(readLockfile(path)).rejects.toMatchObject({
        code: 'LOCKFILE_INVALID',
        message: expect.stringContaining('components.alpha.size'),
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses bad files with the field named', () => {
    expect(() => parseLockfile('{')).toThrow(/not valid JSON/);
    expect(() => parseLockfile('{"lockfileVersion":2,"components":{}}')).toThrow(
      /lockfileVersion is 2, expected 1/,
    );
    expect(() =>
      parseLockfile(
        '{"lockfileVersion":1,"components":{"a":{"source":"x","version":"1","sha256":"zz","size":1,"kind":"file","fileName":"f"}}}',
      ),
    ).toThrow(/components\.a\.sha256 is "zz"/);
  });
});
