import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { digestPath } from './path.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ucvm-path-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function makeTree(root: string, order: string[]): Promise<void> {
  for (const name of order) {
    await mkdir(join(root, name, 'sub'), { recursive: true });
    await writeFile(join(root, name, 'sub', 'f'), name);
  }
  await symlink('a/sub/f', join(root, 'link'));
}

describe('digestPath', () => {
  it('digests a directory independent of creation order; content and exec bit matter', async () => {
    await makeTree(join(dir, 'x'), ['a', 'b']);
    await makeTree(join(dir, 'y'), ['b', 'a']);
    const x = await digestPath('c', join(dir, 'x'));
    expect(x.kind).toBe('directory');
    expect(x.size).toBe(2);
    expect((await digestPath('c', join(dir, 'y'))).sha256).toBe(x.sha256);
    await chmod(join(dir, 'y', 'a', 'sub', 'f'), 0o755);
    const y = await digestPath('c', join(dir, 'y'));
    expect(y.sha256).not.toBe(x.sha256);
    await chmod(join(dir, 'y', 'a', 'sub', 'f'), 0o644);
    await writeFile(join(dir, 'y', 'b', 'sub', 'f'), 'B');
    expect((await digestPath('c', join(dir, 'y'))).sha256).not.toBe(x.sha256);
  });

  it('digests a file by its bytes and names a missing path', async () => {
    await writeFile(join(dir, 'f'), 'abc');
    expect(await digestPath('c', join(dir, 'f'))).toEqual({
      kind: 'file',
      size: 3,
      sha256: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    });
    await expect(digestPath('cvmfs', join(dir, 'nope'))).rejects.toMatchObject({
      code: 'FILE_NOT_FOUND',
      message: `component cvmfs: path ${join(dir, 'nope')} does not exist`,
    });
  });
});
