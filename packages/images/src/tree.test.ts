import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scratch } from '../test/host.js';
import { loadTree, resolveTree, treeFromDirectory } from './tree.js';

const dir = scratch();

describe('tree', () => {
  it('sorts bytewise, parents first, and adds missing parents', () => {
    const r = resolveTree([
      { path: 'b', type: 'file', data: Buffer.from('') },
      { path: '/a-b', type: 'file', data: Buffer.from('') },
      { path: 'a/z/f', type: 'file', data: Buffer.from('x') },
      { path: 'B', type: 'dir' },
    ]);
    expect(r.map((e) => `${e.type}:${e.path}:${e.mode.toString(8)}`)).toEqual([
      'dir:B:755',
      'dir:a:755',
      'dir:a/z:755',
      'file:a/z/f:644',
      'file:a-b:644',
      'file:b:644',
    ]);
  });

  it('refuses duplicates, escapes, files used as directories, missing data', () => {
    const f = (path: string) => ({ path, type: 'file' as const, data: Buffer.alloc(0) });
    expect(() => resolveTree([f('a'), f('/a')])).toThrow(
      expect.objectContaining({ code: 'TREE_DUPLICATE' }),
    );
    expect(() => resolveTree([f('a/../b')])).toThrow(
      expect.objectContaining({ code: 'TREE_BAD_PATH' }),
    );
    expect(() => resolveTree([f('a'), f('a/b')])).toThrow(
      expect.objectContaining({ code: 'TREE_NOT_A_DIR' }),
    );
    expect(() => resolveTree([{ path: 'x', type: 'file', source: '/x' }])).toThrow(
      expect.objectContaining({ code: 'TREE_NO_DATA', hint: expect.stringContaining('loadTree') }),
    );
  });

  it('describes a directory with normalised modes and loads sources', async () => {
    const root = join(dir, 'stage');
    mkdirSync(join(root, 'sub'), { recursive: true });
    writeFileSync(join(root, 'sub', 'run.sh'), 'x', { mode: 0o700 });
    writeFileSync(join(root, 'data'), 'd', { mode: 0o600 });
    symlinkSync('data', join(root, 'link'));
    const t = await treeFromDirectory(root);
    expect(t.map((e) => [e.path, e.type, e.mode?.toString(8)])).toEqual([
      ['data', 'file', '644'],
      ['link', 'symlink', '777'],
      ['sub', 'dir', '755'],
      ['sub/run.sh', 'file', '755'],
    ]);
    const loaded = await loadTree(t);
    expect(Buffer.from(loaded[0]!.data!).toString()).toBe('d');
    await expect(
      loadTree([{ path: 'x', type: 'file', source: join(root, 'missing') }]),
    ).rejects.toMatchObject({
      code: 'TREE_SOURCE_UNREADABLE',
    });
  });
});
