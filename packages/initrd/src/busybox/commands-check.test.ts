import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BuildInitrdOptions, buildInitrd } from '../assemble.js';
import { InitrdError } from '../errors.js';

let base: string;
beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'ucvm-initrd-commands-'));
});
afterAll(() => rm(base, { recursive: true, force: true }));

/** An init dir with the given files plus a busybox (the host's) and a `tools` component. */
async function options(
  name: string,
  init: Record<string, string>,
): Promise<Pick<BuildInitrdOptions, 'initDir' | 'components'>> {
  const dir = join(base, name);
  for (const [path, text] of Object.entries(init)) {
    await mkdir(dirname(join(dir, 'init', path)), { recursive: true });
    await writeFile(join(dir, 'init', path), text, { mode: 0o755 });
  }
  await mkdir(join(dir, 'busybox/bin'), { recursive: true });
  await writeFile(join(dir, 'busybox/bin/busybox'), await readFile('/usr/bin/busybox'));
  await mkdir(join(dir, 'tools/usr/bin'), { recursive: true });
  await writeFile(join(dir, 'tools/usr/bin/cvmfs2'), '#!/bin/sh\n', { mode: 0o755 });
  return {
    initDir: join(dir, 'init'),
    components: [
      {
        name: 'busybox',
        root: join(dir, 'busybox'),
        files: [{ from: 'bin/busybox', to: 'sbin/busybox' }],
      },
      { name: 'tools', root: join(dir, 'tools') },
    ],
  };
}

const build = (
  o: Pick<BuildInitrdOptions, 'initDir' | 'components'>,
  extra: Partial<BuildInitrdOptions> = {},
) => buildInitrd({ ...o, strongVersion: '1-1', sourceDateEpoch: 0, compression: 'gzip', ...extra });

const LIB = [
  '# shellcheck shell=dash',
  'ucvm_tool() { "$@"; }',
  'ucvm_x() {',
  '\tucvm_tool mount -t proc proc /proc',
  '\ttimeout 5 cvmfs2 -o ro x /mnt | sha256sum',
  '\t[ -x /sbin/busybox ] && /sbin/busybox true',
  '\tif command -v curl >/dev/null; then curl -s x; fi',
  '}',
  '',
].join('\n');

describe('the command check in buildInitrd (runtime.md §1.2 item 3)', () => {
  it('names every missing command with its first file:line and the remedy', async () => {
    const o = await options('missing', {
      init: '#!/bin/sh\n. /lib/ucvm/lib.sh\nucvm_x\n\nntpd -q -p pool\n',
      'lib/ucvm/lib.sh': `${LIB}ucvm_y() {\n\tucvm_tool kexec -e\n\tntpd -n\n}\n`,
      'lib/ucvm/awk/x.awk': '{ system("halt") }\n',
    });
    const err = await build(o).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InitrdError);
    expect((err as InitrdError).code).toBe('MISSING_COMMAND');
    expect((err as InitrdError).message).toContain('ntpd (/init:5), kexec (/lib/ucvm/lib.sh:10)');
    expect((err as InitrdError).message).not.toMatch(/curl|halt|mount|ucvm_/);
    expect((err as InitrdError).hint).toMatch(/component|busybox/);

    // Without busybox the image has no shell to run the init: the check only records.
    const bare = await build(o, { busybox: false });
    expect(bare.commandCheck.missing.map((m) => m.name)).toContain('timeout');

    const recorded = await build(o, { commandCheck: 'record' });
    expect(recorded.commandCheck.missing).toEqual([
      { name: 'ntpd', at: '/init:5' },
      { name: 'kexec', at: '/lib/ucvm/lib.sh:10' },
    ]);
  });

  it('records what provides each command, optional ones, and words it could not check', async () => {
    const o = await options('ok', { 'lib/ucvm/lib.sh': LIB });
    const { commandCheck } = await build(o);
    expect(commandCheck.missing).toEqual([]);
    expect(commandCheck.commands).toEqual([
      {
        name: '/sbin/busybox',
        providedBy: 'busybox',
        path: '/sbin/busybox',
        at: '/lib/ucvm/lib.sh:6',
      },
      { name: 'cvmfs2', providedBy: 'file', path: '/usr/bin/cvmfs2', at: '/lib/ucvm/lib.sh:5' },
      { name: 'mount', providedBy: 'busybox', path: '/bin/mount', at: '/lib/ucvm/lib.sh:4' },
      {
        name: 'sha256sum',
        providedBy: 'busybox',
        path: '/bin/sha256sum',
        at: '/lib/ucvm/lib.sh:5',
      },
      { name: 'timeout', providedBy: 'busybox', path: '/bin/timeout', at: '/lib/ucvm/lib.sh:5' },
    ]);
    expect(commandCheck.optional).toEqual([{ name: 'curl', at: '/lib/ucvm/lib.sh:7' }]);
    expect(commandCheck.unchecked).toEqual([{ word: '"$@"', at: '/lib/ucvm/lib.sh:2' }]);
  });
});
