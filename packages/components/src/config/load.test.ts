import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from './load.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ucvm-config-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('loadConfig', () => {
  it('uses the embedded default when there is no config file', async () => {
    const loaded = await loadConfig({ cwd: dir });
    expect(loaded.file).toBeNull();
    expect(loaded.baseDir).toBe(dir);
    expect(loaded.config.version).toBe('2026.11');
    expect(loaded.digest).toMatch(/^[0-9a-f]{64}$/);
    // The digest is stable: same config, same digest.
    expect((await loadConfig({ cwd: dir })).digest).toBe(loaded.digest);
  });

  it('loads ucvm.config.ts through esbuild, with defineConfig and defaultConfig from the package', async () => {
    await writeFile(join(dir, 'sub.ts'), 'export const release: number = 7;\n');
    await writeFile(
      join(dir, 'ucvm.config.ts'),
      [
        "import { defaultConfig, defineConfig } from '@ucvm/components';",
        "import { release } from './sub';",
        'const formats: ("iso" | "hdd")[] = ["iso"];',
        'export default defineConfig({ release, formats, branches: defaultConfig.branches!.slice(0, 2) });',
      ].join('\n'),
    );
    const loaded = await loadConfig({ cwd: dir });
    expect(loaded.file).toBe(join(dir, 'ucvm.config.ts'));
    expect(loaded.config.release).toBe(7);
    expect(loaded.config.formats).toEqual(['iso']);
    expect(loaded.config.branches.map((b) => b.name)).toEqual(['prod', 'v3prod']);
    // Keys the file leaves out come from the default.
    expect(loaded.config.compression).toBe('xz');
    // No temporary bundle is left behind.
    expect((await readdir(dir)).sort()).toEqual(['sub.ts', 'ucvm.config.ts']);
  });

  it('loads .mjs and .json configs; an explicit path wins', async () => {
    await writeFile(join(dir, 'ucvm.config.mjs'), 'export default { compression: "zstd" };\n');
    await writeFile(join(dir, 'other.json'), '{ "compression": "gzip" }');
    expect((await loadConfig({ cwd: dir })).config.compression).toBe('zstd');
    expect((await loadConfig({ cwd: dir, path: 'other.json' })).config.compression).toBe('gzip');
  });

  it('reports validation errors with the file name', async () => {
    await writeFile(
      join(dir, 'ucvm.config.json'),
      '{ "outDir": "", "formats": ["iso", "floppy"] }',
    );
    await expect(loadConfig({ cwd: dir })).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      exitCode: 2,
      message: expect.stringContaining('ucvm.config.json: 2 invalid field(s)'),
    });
    const err = (await loadConfig({ cwd: dir }).catch((e: Error) => e)) as Error;
    expect(err.message).toContain('outDir: "" is not allowed; expected a directory path');
    expect(err.message).toContain(
      'formats[1]: "floppy" is not allowed; expected one of iso, hdd, fat,',
    );
  });

  it('reports syntax errors, a missing file and a missing default export', async () => {
    await writeFile(join(dir, 'bad.ts'), 'export default {\n');
    await expect(loadConfig({ cwd: dir, path: 'bad.ts' })).rejects.toMatchObject({
      code: 'CONFIG_LOAD',
      message: /bad\.ts: cannot compile/,
    });
    await writeFile(join(dir, 'nodefault.mjs'), 'export const x = 1;\n');
    await expect(loadConfig({ cwd: dir, path: 'nodefault.mjs' })).rejects.toMatchObject({
      code: 'CONFIG_LOAD',
      message: /has no default export/,
    });
    await expect(loadConfig({ cwd: dir, path: 'nope.ts' })).rejects.toMatchObject({
      code: 'CONFIG_NOT_FOUND',
      exitCode: 2,
    });
    await writeFile(join(dir, 'broken.json'), '{');
    await expect(loadConfig({ cwd: dir, path: 'broken.json' })).rejects.toMatchObject({
      code: 'CONFIG_LOAD',
    });
  });
});
