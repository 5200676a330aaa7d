import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { makeDynamicElf } from '../../test/fixtures/elf-builder.js';
import { InitrdError } from '../errors.js';
import { placeFromTree } from '../tree/place.js';
import { Staging } from '../tree/staging.js';
import { expandSearchPath, stageLibraryClosure } from './closure.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function tree(files: Record<string, Buffer | { link: string }>): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'ucvm-tree-'));
  dirs.push(root);
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    if (Buffer.isBuffer(content)) await writeFile(join(root, path), content, { mode: 0o755 });
    else await symlink(content.link, join(root, path));
  }
  return root;
}

describe('stageLibraryClosure on the host root (ldd as the oracle)', () => {
  it('finds exactly what ldd finds for mke2fs, with .so symlink chains kept', async () => {
    const staging = new Staging();
    const host = { name: 'host', root: '/' };
    await placeFromTree(staging, host, 'usr/sbin/mke2fs', 'sbin/mke2fs');
    const resolved = await stageLibraryClosure(staging, [host]);

    const { stdout } = await execa('ldd', ['/usr/sbin/mke2fs']);
    const oracle = new Map<string, string>();
    for (const line of stdout.split('\n')) {
      const m = /^\s*(\S+)(?: => (\S+))? \(0x/.exec(line);
      if (!m || m[1] === 'linux-vdso.so.1') continue;
      oracle.set((m[1] as string).split('/').pop() as string, m[2] ?? (m[1] as string));
    }
    const ours = new Set(resolved.map((r) => r.needed.split('/').pop() as string));
    expect([...ours].sort()).toEqual([...oracle.keys()].sort());
    // Every library is staged at the path where ldd found it.
    for (const path of oracle.values())
      expect(staging.resolveFile(path.slice(1)), `${path} staged`).toBeDefined();
    // libext2fs.so.2 -> libext2fs.so.2.4: both the link and the file are in the image.
    expect(staging.get('lib/x86_64-linux-gnu/libext2fs.so.2')?.kind).toBe('symlink');
    expect(staging.resolveFile('lib/x86_64-linux-gnu/libext2fs.so.2')?.kind).toBe('file');
    // The interpreter chain: /lib64/ld-linux-x86-64.so.2 -> /lib/x86_64-linux-gnu/ld-linux-x86-64.so.2.
    expect(staging.get('lib64/ld-linux-x86-64.so.2')?.kind).toBe('symlink');
    expect(staging.resolveFile('lib64/ld-linux-x86-64.so.2')?.path).toBe(
      'lib/x86_64-linux-gnu/ld-linux-x86-64.so.2',
    );
    expect(resolved.every((r) => r.component === 'host')).toBe(true);
  });
});

describe('stageLibraryClosure on component trees', () => {
  const interp = '/lib64/ld-linux-x86-64.so.2';

  it('takes libraries from other trees, follows $ORIGIN runpaths and attributes components', async () => {
    const app = await tree({
      'usr/bin/app': makeDynamicElf({
        type: 2,
        interpreter: interp,
        needed: ['libapp.so.1', 'libc.so.6'],
        runpath: '$ORIGIN/../lib/app',
      }),
      'usr/lib/app/libapp.so.1': { link: 'libapp.so.1.0.0' },
      'usr/lib/app/libapp.so.1.0.0': makeDynamicElf({
        needed: ['libz.so.1'],
        soname: 'libapp.so.1',
      }),
    });
    const libc = await tree({
      'lib64/ld-linux-x86-64.so.2': { link: '/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2' },
      'lib/x86_64-linux-gnu/ld-linux-x86-64.so.2': makeDynamicElf({
        soname: 'ld-linux-x86-64.so.2',
      }),
      'lib/x86_64-linux-gnu/libc.so.6': makeDynamicElf({
        soname: 'libc.so.6',
        interpreter: interp,
      }),
    });
    const zlib = await tree({
      'usr/lib/x86_64-linux-gnu/libz.so.1': { link: 'libz.so.1.2.13' },
      'usr/lib/x86_64-linux-gnu/libz.so.1.2.13': makeDynamicElf({
        soname: 'libz.so.1',
        needed: ['libc.so.6'],
      }),
      'usr/lib/x86_64-linux-gnu/libunused.so.9': makeDynamicElf({}),
    });
    const trees = [
      { name: 'app', root: app },
      { name: 'libc6', root: libc },
      { name: 'zlib1g', root: zlib },
    ];
    const staging = new Staging();
    await placeFromTree(staging, trees[0] as (typeof trees)[0], 'usr/bin/app');
    const resolved = await stageLibraryClosure(staging, trees);
    expect(resolved.map((r) => [r.object, r.needed, r.path, r.component])).toEqual([
      ['usr/bin/app', interp, 'lib/x86_64-linux-gnu/ld-linux-x86-64.so.2', 'libc6'],
      ['usr/bin/app', 'libapp.so.1', 'usr/lib/app/libapp.so.1.0.0', 'app'],
      ['usr/bin/app', 'libc.so.6', 'lib/x86_64-linux-gnu/libc.so.6', 'libc6'],
      [
        'usr/lib/app/libapp.so.1.0.0',
        'libz.so.1',
        'usr/lib/x86_64-linux-gnu/libz.so.1.2.13',
        'zlib1g',
      ],
      [
        'lib/x86_64-linux-gnu/libc.so.6',
        interp,
        'lib/x86_64-linux-gnu/ld-linux-x86-64.so.2',
        'libc6',
      ],
      [
        'usr/lib/x86_64-linux-gnu/libz.so.1.2.13',
        'libc.so.6',
        'lib/x86_64-linux-gnu/libc.so.6',
        'libc6',
      ],
    ]);
    const paths = staging
      .entries()
      .map((e) => `${e.path}${e.kind === 'symlink' ? ` -> ${e.target}` : ''}`);
    // Parent directories are left to the cpio writer, which adds them.
    expect(paths).toEqual([
      'lib/x86_64-linux-gnu/ld-linux-x86-64.so.2',
      'lib/x86_64-linux-gnu/libc.so.6',
      'lib64/ld-linux-x86-64.so.2 -> /lib/x86_64-linux-gnu/ld-linux-x86-64.so.2',
      'usr/bin/app',
      'usr/lib/app/libapp.so.1 -> libapp.so.1.0.0',
      'usr/lib/app/libapp.so.1.0.0',
      'usr/lib/x86_64-linux-gnu/libz.so.1 -> libz.so.1.2.13',
      'usr/lib/x86_64-linux-gnu/libz.so.1.2.13',
    ]);
    expect(staging.get('usr/lib/app/libapp.so.1.0.0')?.component).toBe('app');
    expect(staging.get('lib/x86_64-linux-gnu/libc.so.6')?.component).toBe('libc6');
  });

  it('names the binary and the library when a library is in no tree', async () => {
    const app = await tree({
      'sbin/tool': makeDynamicElf({ type: 2, needed: ['libmissing.so.3'] }),
    });
    const staging = new Staging();
    await placeFromTree(staging, { name: 'tool', root: app }, 'sbin/tool');
    const err = await stageLibraryClosure(staging, [{ name: 'tool', root: app }]).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(InitrdError);
    expect((err as InitrdError).code).toBe('LIBRARY_NOT_FOUND');
    expect((err as InitrdError).message).toContain('/sbin/tool');
    expect((err as InitrdError).message).toContain('libmissing.so.3');
  });

  it('never follows an absolute symlink out of the tree onto the build host', async () => {
    // libc.so.6 -> /lib/x86_64-linux-gnu/libc.so.6 exists on the host but not in this tree.
    const app = await tree({
      'bin/tool': makeDynamicElf({ type: 2, needed: ['libc.so.6'] }),
      'lib/x86_64-linux-gnu/libc.so.6': { link: '/usr/lib/x86_64-linux-gnu/libc.so.6' },
    });
    const staging = new Staging();
    await placeFromTree(staging, { name: 'tool', root: app }, 'bin/tool');
    await expect(stageLibraryClosure(staging, [{ name: 'tool', root: app }])).rejects.toThrow(
      /libc\.so\.6/,
    );
  });
});

describe('expandSearchPath', () => {
  it('expands $ORIGIN in both spellings, $LIB, and drops relative entries', () => {
    expect(expandSearchPath('$ORIGIN/../lib', 'usr/bin/cvmfs2')).toBe('usr/lib');
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the ld.so token, not a template
    expect(expandSearchPath('${ORIGIN}', 'usr/lib/cvmfs/x.so')).toBe('usr/lib/cvmfs');
    expect(expandSearchPath('/usr/$LIB', 'bin/x')).toBe('usr/lib/x86_64-linux-gnu');
    expect(expandSearchPath('lib', 'bin/x')).toBeUndefined();
  });
});
