import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildInitrd, type InitrdResult } from '@ucvm/initrd';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initrdComponents, prepareInputs } from '../src/build/inputs.js';
import { buildTestEnv } from './run-cli.js';

// runtime.md §1.2 item 3: every command the init's shell files call is in the default initrd
// (a busybox applet or a component's file). Built from the default configuration's components,
// fetched into the user cache as `ucvm fetch` does, with the CernVM-FS stand-in; the check runs
// in 'record' mode so a gap shows as the list of missing commands with their file:line.
let dir: string;
let result: InitrdResult;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ucvm-cli-initrd-commands-'));
  const inputs = await prepareInputs(
    { stdout: () => {}, stderr: () => {}, isTty: false, cwd: dir, env: buildTestEnv('0') },
    { component: [], cvmfsStandin: true, roles: ['initrd', 'cvmfs'] },
  );
  result = await buildInitrd({
    components: initrdComponents(inputs),
    strongVersion: inputs.strong,
    sourceDateEpoch: 0,
    compression: 'gzip',
    commandCheck: 'record',
  });
}, 600_000);
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('the default initrd', () => {
  it("provides every command the init's shell files call", () => {
    const missing = result.commandCheck.missing.map((m) => `${m.name} (${m.at})`);
    expect(missing, 'commands no default component provides').toEqual([]);
  });

  it('takes the spec-named applets from busybox and the util-linux/e2fsprogs tools from files', () => {
    const by = new Map(result.commandCheck.commands.map((c) => [c.name, c.providedBy]));
    for (const name of ['mount', 'udhcpc', 'timeout', 'sha256sum', 'switch_root'])
      expect(by.get(name), name).toBe('busybox');
    for (const name of [
      'blkid',
      'sfdisk',
      'partx',
      'wipefs',
      'mke2fs',
      'e2fsck',
      'kexec',
      'cvmfs2',
    ])
      expect(by.get(name), name).toBe('file');
  });
});
