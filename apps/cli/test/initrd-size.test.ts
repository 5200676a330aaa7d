import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

// build.md §5: the compressed initrd SHOULD stay under 8 MiB with the Debian kernel's module
// subset. Built from the default configuration's components (fetched into the user cache like
// `ucvm fetch` does) with the default xz compression; the CernVM-FS client is the stand-in,
// the only one this machine can have, so the budget left for the real client is printed.
const BUDGET = 8 * 1024 * 1024;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ucvm-cli-initrd-size-'));
}, 10_000);
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the default initrd', () => {
  it('is under the 8 MiB budget, as ucvm inspect reports it', { timeout: 600_000 }, async () => {
    const built = await runCli(['initrd', '--cvmfs-standin', '--out', dir], dir);
    expect(built.code, built.stderr).toBe(0);
    const [name] = (await readdir(dir)).filter((f) => f.startsWith('initrd.'));
    expect(name).toMatch(/^initrd\..*\.cvmfs-standin$/);
    const inspected = await runCli(['inspect', '--json', name!], dir);
    expect(inspected.code, inspected.stderr).toBe(0);
    const report = JSON.parse(inspected.stdout) as { compression: string; compressedSize: number };
    expect(report.compression).toBe('xz');
    console.log(
      `[initrd-size] default initrd (xz, cvmfs stand-in): ${report.compressedSize} bytes; ` +
        `${BUDGET - report.compressedSize} bytes left in the 8 MiB budget for the real client`,
    );
    expect(report.compressedSize).toBeLessThan(BUDGET);
  });
});
