import { copyFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CacheStore } from './cache/store.js';
import type { ResolvedComponent } from './fetch.js';
import { unpackArchive } from './unpack/index.js';

/**
 * The unpacked tree of a resolved component, cached by content digest under `trees/`
 * (build.md §4: the cache holds downloads and unpacked trees). A directory source is its own
 * tree; a plain file (`format: file`) becomes a tree holding that one file.
 */
export async function componentTree(
  component: ResolvedComponent,
  cacheDir: string,
): Promise<string> {
  const format = component.format;
  if (format === 'directory') return component.path;
  const store = new CacheStore(cacheDir);
  return store.tree(component.sha256, async (dir) => {
    if (format === 'file') {
      await copyFile(component.path, join(dir, component.fileName));
      return;
    }
    const bytes = await readFile(component.path);
    await unpackArchive(bytes, dir, {
      kind: format,
      name: `${component.name} (${component.fileName})`,
    });
  });
}
