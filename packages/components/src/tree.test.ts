import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultConfig } from './config/default.js';
import { validateConfig } from './config/schema.js';
import { fetchComponents } from './fetch.js';
import { componentTree } from './tree.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ucvm-tree-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('componentTree', () => {
  it('unpacks a tar.gz component once into the cache; plain files and directories pass through', async () => {
    await mkdir(join(dir, 'src', 'bin'), { recursive: true });
    await writeFile(join(dir, 'src', 'bin', 'tool'), 'tool');
    execFileSync('tar', ['-czf', join(dir, 'tool.tar.gz'), '-C', join(dir, 'src'), 'bin']);
    await writeFile(join(dir, 'plain.bin'), 'plain');
    const config = validateConfig({
      ...defaultConfig,
      components: [
        { name: 'tool', version: '1', source: { kind: 'path', path: 'tool.tar.gz' } },
        { name: 'plain', version: '1', source: { kind: 'path', path: 'plain.bin' } },
        { name: 'dir', version: '1', source: { kind: 'path', path: 'src' } },
      ],
    });
    const cacheDir = join(dir, 'cache');
    const r = await fetchComponents(config, { cacheDir, baseDir: dir });
    const [tool, plain, tree] = r.components;
    const t = await componentTree(tool!, cacheDir);
    expect(t).toBe(join(cacheDir, 'trees', tool!.sha256));
    expect(await readFile(join(t, 'bin', 'tool'), 'utf8')).toBe('tool');
    expect(await componentTree(tool!, cacheDir)).toBe(t);
    expect(await readFile(join(await componentTree(plain!, cacheDir), 'plain.bin'), 'utf8')).toBe(
      'plain',
    );
    expect(await componentTree(tree!, cacheDir)).toBe(join(dir, 'src'));
  });
});
