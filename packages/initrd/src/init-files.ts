import { fileURLToPath } from 'node:url';

/**
 * Absolute path of the package's `init/` directory: /init and /lib/ucvm/... laid out as they
 * appear in the image root (runtime.md §1.2). Resolved relative to this module, which sits one
 * level below the package root both as src/init-files.ts and bundled as dist/index.js; the
 * package ships `init/` next to `dist/` ("files" in package.json).
 */
export function initFilesDir(): string {
  return fileURLToPath(new URL('../init', import.meta.url));
}
