import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UnpackError } from './errors.js';
import { type ArchiveKind, unpackArchive } from './index.js';
import {
  type CpioSpec,
  describeTree,
  type TarSpec,
  writeCpioNewc,
  writeDeb,
  writeRpm,
  writeTar,
} from './test-writers.js';

const work = mkdtempSync(join(tmpdir(), 'ucvm-extract-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const host = (cmd: string, args: string[], input: Uint8Array): Buffer =>
  execFileSync(cmd, args, { input, timeout: 60_000, maxBuffer: 1 << 28 });

/** The same member list as a cpio payload: hard links share an inode, data on the last. */
function toCpio(specs: TarSpec[]): CpioSpec[] {
  const kind = {
    file: 0o100000,
    dir: 0o040000,
    symlink: 0o120000,
    chardev: 0o020000,
    fifo: 0o010000,
  };
  const inodes = new Map<string, number>();
  return specs.map((s, i) => {
    if (s.type === 'hardlink') {
      const ino = inodes.get(s.linkname ?? '') ?? 999;
      const target = specs.find((o) => o.name === s.linkname);
      return {
        name: s.name,
        mode: 0o100000 | (target?.mode ?? 0o644),
        ino,
        nlink: 2,
        data: target?.data ?? 'x',
      };
    }
    inodes.set(s.name, i + 1);
    const type = s.type ?? 'file';
    const data = type === 'symlink' ? s.linkname : s.data;
    const nlink = specs.some((o) => o.type === 'hardlink' && o.linkname === s.name) ? 2 : 1;
    return {
      name: s.name,
      mode: kind[type] | (s.mode ?? 0o644),
      ino: i + 1,
      nlink,
      data: nlink > 1 ? '' : data,
    };
  });
}

const containers: Record<ArchiveKind, (specs: TarSpec[]) => Uint8Array> = {
  tar: (s) => writeTar(s),
  'tar.gz': (s) => host('gzip', ['-c'], writeTar(s)),
  'tar.xz': (s) => host('xz', ['-c', '--check=crc64'], writeTar(s)),
  'tar.zst': (s) => host('zstd', ['-q', '-c'], writeTar(s)),
  deb: (s) => writeDeb(writeTar(s)),
  rpm: (s) => writeRpm('t', 'gzip', host('gzip', ['-c'], writeCpioNewc(toCpio(s)))),
};

const good: TarSpec[] = [
  { name: './', type: 'dir', mode: 0o755 },
  { name: './usr/bin/tool', mode: 0o755, data: '#!/bin/sh\n' },
  { name: './usr/lib/ro', type: 'dir', mode: 0o555 },
  { name: './usr/lib/ro/data', mode: 0o444, data: 'ro' },
  { name: './usr/bin/suid', mode: 0o4755, data: 'x' },
  { name: './usr/sbin', type: 'symlink', linkname: 'bin' },
  { name: './abs', type: 'symlink', linkname: '/usr/bin/tool' },
  { name: './usr/bin/tool2', type: 'hardlink', linkname: './usr/bin/tool' },
  { name: './dev/null', type: 'chardev', mode: 0o666 },
];

const escapes: { title: string; specs: TarSpec[]; member: string; code: string }[] = [
  {
    title: '"../x"',
    specs: [{ name: '../x', data: 'evil' }],
    member: '../x',
    code: 'UNPACK_UNSAFE_PATH',
  },
  {
    title: 'an absolute name',
    specs: [{ name: '/abs', data: 'evil' }],
    member: '/abs',
    code: 'UNPACK_UNSAFE_PATH',
  },
  {
    title: 'a symlink to ../../etc',
    specs: [{ name: './a/etc', type: 'symlink', linkname: '../../etc' }],
    member: './a/etc',
    code: 'UNPACK_UNSAFE_LINK',
  },
  {
    title: 'a symlink that escapes through an earlier symlink',
    specs: [
      { name: './here', type: 'symlink', linkname: '.' },
      { name: './up', type: 'symlink', linkname: 'here/..' },
    ],
    member: './up',
    code: 'UNPACK_UNSAFE_LINK',
  },
  {
    title: 'a symlink made to escape by a later symlink',
    specs: [
      { name: './up', type: 'symlink', linkname: 'later/..' },
      { name: './later', type: 'symlink', linkname: '.' },
    ],
    member: './up',
    code: 'UNPACK_UNSAFE_LINK',
  },
  {
    title: 'a file under a symlinked directory',
    specs: [
      { name: './real', type: 'dir' },
      { name: './d', type: 'symlink', linkname: 'real' },
      { name: './d/x', data: 'through the link' },
    ],
    member: './d/x',
    code: 'UNPACK_UNSAFE_LINK',
  },
];

const hardlinkEscape: Record<ArchiveKind, { specs: TarSpec[]; member: string; code: string }> = {
  tar: {
    specs: [{ name: './h', type: 'hardlink', linkname: '../outside' }],
    member: './h',
    code: 'UNPACK_UNSAFE_LINK',
  },
  'tar.gz': {
    specs: [{ name: './h', type: 'hardlink', linkname: '/etc/passwd' }],
    member: './h',
    code: 'UNPACK_UNSAFE_LINK',
  },
  'tar.xz': {
    specs: [{ name: './h', type: 'hardlink', linkname: '../outside' }],
    member: './h',
    code: 'UNPACK_UNSAFE_LINK',
  },
  'tar.zst': {
    specs: [{ name: './h', type: 'hardlink', linkname: 'not-extracted' }],
    member: './h',
    code: 'UNPACK_UNSAFE_LINK',
  },
  deb: {
    specs: [{ name: './h', type: 'hardlink', linkname: '../outside' }],
    member: './h',
    code: 'UNPACK_UNSAFE_LINK',
  },
  // cpio links by inode: the escaping name is a member of the link set.
  rpm: {
    specs: [
      { name: './f', data: 'x' },
      { name: '../h', type: 'hardlink', linkname: './f' },
    ],
    member: '../h',
    code: 'UNPACK_UNSAFE_PATH',
  },
};

let caseNo = 0;
function freshCase(): { outer: string; dest: string } {
  const outer = join(work, `case-${caseNo++}`);
  mkdirSync(outer);
  return { outer, dest: join(outer, 'dest') };
}

describe.each(Object.keys(containers) as ArchiveKind[])('unpackArchive %s', (kind) => {
  const build = containers[kind];

  it('extracts files, directories, links and modes; drops setuid; skips device nodes', async () => {
    const { dest } = freshCase();
    const result = await unpackArchive(build(good), dest, { name: `good.${kind}` });
    // dirs: usr, usr/bin, usr/lib, usr/lib/ro ("./" is destDir itself; dev/ holds only a skipped node)
    expect(result).toEqual({
      files: 3,
      dirs: 4,
      symlinks: 2,
      hardlinks: 1,
      bytes: 13,
      skipped: ['./dev/null'],
    });
    expect(await describeTree(dest)).toEqual([
      'abs symlink -> /usr/bin/tool',
      'usr dir 755',
      'usr/bin dir 755',
      'usr/bin/suid file 755 1 2d711642b726b044',
      expect.stringMatching(/^usr\/bin\/tool file 755 10 /),
      expect.stringMatching(/^usr\/bin\/tool2 file 755 10 /),
      'usr/lib dir 755',
      'usr/lib/ro dir 555',
      expect.stringMatching(/^usr\/lib\/ro\/data file 444 2 /),
      'usr/sbin symlink -> bin',
    ]);
    expect(statSync(join(dest, 'usr/bin/tool')).ino).toBe(
      statSync(join(dest, 'usr/bin/tool2')).ino,
    );
  });

  const cases = [...escapes, { title: 'a hard link to outside', ...hardlinkEscape[kind] }];
  it.each(cases)(
    'refuses $title, naming the member, writing nothing outside',
    async ({ specs, member, code }) => {
      const { outer, dest } = freshCase();
      const error = await unpackArchive(build(specs), dest, { name: `evil.${kind}` }).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(UnpackError);
      expect(error).toMatchObject({ code, member, archive: `evil.${kind}`, exitCode: 1 });
      expect((error as UnpackError).message).toContain(
        `evil.${kind}: member ${JSON.stringify(member)}`,
      );
      expect(readdirSync(outer)).toEqual(['dest']);
      expect(
        readdirSync(dest).filter(
          (n) => !['a', 'here', 'real', 'd', 'up', 'later', 'f'].includes(n),
        ),
      ).toEqual([]);
    },
  );
});

describe('unpackArchive options and sniffing', () => {
  it('refuses absolute symlinks when asked', async () => {
    const { dest } = freshCase();
    const bytes = writeTar([{ name: 'l', type: 'symlink', linkname: '/etc/passwd' }]);
    await expect(unpackArchive(bytes, dest, { absoluteSymlinks: 'refuse' })).rejects.toMatchObject({
      code: 'UNPACK_UNSAFE_LINK',
      member: 'l',
    });
  });

  it('names unknown formats', async () => {
    await expect(
      unpackArchive(new Uint8Array(600), join(work, 'x'), { name: 'thing.bin' }),
    ).rejects.toMatchObject({
      code: 'UNPACK_UNKNOWN_FORMAT',
      message: expect.stringMatching(/^thing\.bin: not a \.deb, \.rpm or/),
    });
  });

  it('refuses content that contradicts the declared kind', async () => {
    const bytes = host('gzip', ['-c'], writeTar([{ name: 'f', data: 'x' }]));
    await expect(
      unpackArchive(bytes, join(work, 'k'), { kind: 'tar.xz', name: 'k.tar.xz' }),
    ).rejects.toThrow(/^k\.tar\.xz: declared as tar\.xz but the content is tar\.gz/);
    const { dest } = freshCase();
    await expect(unpackArchive(bytes, dest, { kind: 'tar.gz' })).resolves.toMatchObject({
      files: 1,
    });
  });

  it('replaces a file by a later member of the same name, as tar does', async () => {
    const { dest } = freshCase();
    const bytes = writeTar([
      { name: 'f', data: 'one' },
      { name: 'f', type: 'symlink', linkname: 'g' },
      { name: 'f', data: 'two' },
    ]);
    await unpackArchive(bytes, dest);
    expect(await describeTree(dest)).toEqual([expect.stringMatching(/^f file 644 3 /)]);
  });
});
