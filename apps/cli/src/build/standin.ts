import { stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CliError } from '../errors.js';

/** Marks every product built with the CernVM-FS test stand-in (build.md §4): names, dirs, /version. */
export const STANDIN_SUFFIX = '.cvmfs-standin';

export const STANDIN_WARNING =
  'WARNING: built with the CernVM-FS TEST STAND-IN, not the real client — not for production';

const STANDIN_PATH = join('test-vm', 'fixtures', 'cvmfs-standin');

/**
 * The test stand-in ships only in a source checkout: `<repo>/test-vm/fixtures/cvmfs-standin`.
 * Searched upwards from this module (apps/cli/dist/… when built, apps/cli/src/build/… in tests)
 * for the directory holding `pnpm-workspace.yaml`.
 */
export async function locateCvmfsStandin(from: string = import.meta.url): Promise<string> {
  let dir = dirname(fileURLToPath(from));
  for (let i = 0; i < 6; i++) {
    const marker = await stat(join(dir, 'pnpm-workspace.yaml')).catch(() => undefined);
    if (marker?.isFile()) {
      const candidate = join(dir, STANDIN_PATH);
      const st = await stat(candidate).catch(() => undefined);
      if (st?.isDirectory()) return candidate;
      break;
    }
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  throw new CliError(
    'E_CVMFS_STANDIN_MISSING',
    `the CernVM-FS test stand-in (${STANDIN_PATH}) was not found next to this ucvm`,
    'the stand-in ships only in a source checkout of ucvm; run from the repository, or provide the real client with --component cvmfs=PATH',
    2,
  );
}
