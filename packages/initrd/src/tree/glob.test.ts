import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InitrdError } from '../errors.js';
import { expandSelection } from './glob.js';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'ucvm-glob-'));
  await mkdir(join(root, 'usr/share/ca-certificates/mozilla'), { recursive: true });
  await mkdir(join(root, 'usr/lib'), { recursive: true });
  for (const f of ['b.crt', 'a.crt', '.hidden.crt', 'c.txt'])
    await writeFile(join(root, 'usr/share/ca-certificates/mozilla', f), f);
  for (const f of [
    'libcvmfs_fuse3.so.2.12.7',
    'libcvmfs_fuse3_stub.so',
    'libcvmfs_fuse.so',
    'libother.so',
  ])
    await writeFile(join(root, 'usr/lib', f), f);
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('expandSelection', () => {
  it('matches per path component, sorted, skipping dot files', async () => {
    expect(await expandSelection(root, 'ca', 'usr/share/ca-certificates/mozilla/*.crt')).toEqual([
      'usr/share/ca-certificates/mozilla/a.crt',
      'usr/share/ca-certificates/mozilla/b.crt',
    ]);
    expect(await expandSelection(root, 'cvmfs', 'usr/lib/libcvmfs_fuse3*.so*')).toEqual([
      'usr/lib/libcvmfs_fuse3.so.2.12.7',
      'usr/lib/libcvmfs_fuse3_stub.so',
    ]);
    expect(await expandSelection(root, 'x', 'usr/*/libcvmfs_fuse.so')).toEqual([
      'usr/lib/libcvmfs_fuse.so',
    ]);
    expect(await expandSelection(root, 'x', 'usr/lib/lib[!c]*')).toEqual(['usr/lib/libother.so']);
  });

  it('passes plain paths through and refuses a glob that matches nothing', async () => {
    expect(await expandSelection(root, 'x', 'bin/busybox')).toEqual(['bin/busybox']);
    await expect(expandSelection(root, 'cvmfs', 'usr/lib/libnope*.so')).rejects.toThrow(
      InitrdError,
    );
  });
});
