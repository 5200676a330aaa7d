import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CliIo } from '../io.js';
import { main } from '../main.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ucvm-cli-components-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIo = {
    stdout: (s) => {
      out += s;
    },
    stderr: (s) => {
      err += s;
    },
    isTty: false,
    cwd: dir,
    env: { HOME: dir },
  };
  const code = await main(args, io);
  return { code, out, err };
}

describe('ucvm components', () => {
  it('lists the default components with strong versions (--json)', async () => {
    const { code, out } = await run(['components', '--json']);
    expect(code).toBe(0);
    const parsed = JSON.parse(out) as {
      config: null;
      components: { name: string; strongVersion: string; source: string; sha256: string | null }[];
    };
    expect(parsed.config).toBeNull();
    const busybox = parsed.components.find((c) => c.name === 'busybox-static')!;
    expect(busybox.strongVersion).toMatch(/^1\.35\.0-.*-1\.cernvm\.x86_64$/);
    expect(busybox.source).toMatch(/^apt:busybox-static=1:1\.35\.0/);
    expect(parsed.components.map((c) => c.name)).toContain('cvmfs');
  });

  it('prints a table and reports a bad config with exit 2', async () => {
    const table = await run(['components']);
    expect(table.out.split('\n')[0]).toMatch(
      /^NAME\s+VERSION\s+REL\s+STRONG VERSION\s+SOURCE\s+SHA256$/,
    );
    await writeFile(join(dir, 'ucvm.config.json'), '{ "compression": "lz4" }');
    const bad = await run(['components']);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('compression: "lz4" is not allowed; expected one of xz, gzip, zstd');
  });
});

describe('ucvm fetch', () => {
  it('fetches what it can, fails naming cvmfs, and succeeds with --component cvmfs=PATH', async () => {
    await writeFile(join(dir, 'tool.bin'), 'tool');
    await writeFile(join(dir, 'cvmfs.deb'), 'stand-in bytes for the override');
    await writeFile(
      join(dir, 'ucvm.config.json'),
      JSON.stringify({
        components: [
          { name: 'tool', version: '1.0', source: { kind: 'path', path: 'tool.bin' } },
          // An apt package that no apt source has, as cvmfs on this host.
          {
            name: 'cvmfs',
            version: '2.12.7',
            role: 'cvmfs',
            source: { kind: 'apt', package: 'ucvm-no-such-package' },
          },
        ],
      }),
    );
    const first = await run(['fetch', '--cache-dir', 'cache']);
    expect(first.code).toBe(1);
    expect(first.err).toContain('FAIL cvmfs: [APT_PACKAGE_NOT_FOUND]');
    expect(first.err).toContain('--component cvmfs=PATH');
    expect(first.err).toContain('ucvm: 1 component(s) failed: cvmfs');
    const lock = JSON.parse(await readFile(join(dir, 'ucvm.lock'), 'utf8'));
    expect(Object.keys(lock.components)).toEqual(['tool']);

    const second = await run([
      'fetch',
      '--cache-dir',
      'cache',
      '--component',
      'cvmfs=cvmfs.deb',
      '--json',
    ]);
    expect(second.code).toBe(0);
    const lines = second.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.find((l) => l.type === 'done' && l.component === 'cvmfs')).toMatchObject({
      origin: 'override',
      downloaded: false,
    });
    expect(lines.at(-1)).toMatchObject({
      type: 'summary',
      fetched: 2,
      failed: [],
      lockWritten: false,
    });

    const skipped = await run(['fetch', '--cache-dir', 'cache', '--skip', 'cvmfs']);
    expect(skipped.code).toBe(0);
    expect(skipped.err).toContain('skipped (not fetched): cvmfs');

    const unknown = await run(['fetch', '--component', 'nope=x']);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain('there is no component "nope"');
  });
});
