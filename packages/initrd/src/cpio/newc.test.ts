import { lstat, mkdtemp, readFile, readlink, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { InitrdError } from '../errors.js';
import { type CpioEntry, readNewc, S_IFCHR, S_IFDIR, S_IFLNK, S_IFREG, writeNewc } from './newc.js';

const EPOCH = 1700000000;
const text = (s: string) => Buffer.from(s, 'utf8');

/** A small tree with every kind of entry; given unsorted and without some parents on purpose. */
const sample: CpioEntry[] = [
  {
    kind: 'file',
    path: 'sbin/busybox',
    mode: 0o755,
    data: text('#!fake busybox\n'),
    mtime: EPOCH + 999,
  },
  { kind: 'symlink', path: 'bin/sh', target: '../sbin/busybox' },
  { kind: 'dir', path: 'tmp', mode: 0o1777 },
  { kind: 'char', path: 'dev/null', mode: 0o666, major: 1, minor: 3 },
  { kind: 'char', path: 'dev/console', mode: 0o600, major: 5, minor: 1 },
  { kind: 'file', path: 'etc/a-b', mode: 0o644, data: text('odd length'), mtime: 1000 },
  { kind: 'file', path: 'sbin/e2fsck', mode: 0o755, data: text('e2fsck binary body') },
  { kind: 'hardlink', path: 'sbin/fsck.ext4', target: 'sbin/e2fsck' },
  { kind: 'hardlink', path: 'sbin/fsck.ext2', target: 'sbin/e2fsck' },
  { kind: 'file', path: 'version', mode: 0o644, data: text('2026.11-1.cernvm.x86_64\n') },
  { kind: 'file', path: 'etc/empty', mode: 0o600, data: new Uint8Array(0) },
];

describe('writeNewc', () => {
  const archive = writeNewc(sample, { sourceDateEpoch: EPOCH });
  const records = readNewc(archive);

  it('sorts entries with parents first and adds missing parent directories', () => {
    expect(records.map((r) => r.name)).toEqual([
      'bin',
      'bin/sh',
      'dev',
      'dev/console',
      'dev/null',
      'etc',
      'etc/a-b',
      'etc/empty',
      'sbin',
      'sbin/busybox',
      'sbin/e2fsck',
      'sbin/fsck.ext2',
      'sbin/fsck.ext4',
      'tmp',
      'version',
    ]);
  });

  it('assigns inodes in order, uid/gid 0, clamps mtimes, aligns to 4 bytes', () => {
    const inos = records.map((r) => r.ino);
    // e2fsck, fsck.ext2, fsck.ext4 share inode 11; the rest count up in archive order.
    expect(inos).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 11, 11, 12, 13]);
    for (const r of records) {
      expect(r.uid).toBe(0);
      expect(r.gid).toBe(0);
      expect(r.offset % 4).toBe(0);
      expect(r.mtime).toBeLessThanOrEqual(EPOCH);
    }
    expect(records.find((r) => r.name === 'sbin/busybox')?.mtime).toBe(EPOCH);
    expect(records.find((r) => r.name === 'etc/a-b')?.mtime).toBe(1000);
    expect(archive.length % 4).toBe(0);
  });

  it('stores hard links with data only on the last name and nlink = group size', () => {
    const group = records.filter((r) => r.ino === 11);
    expect(group.map((r) => [r.name, r.nlink, r.filesize])).toEqual([
      ['sbin/e2fsck', 3, 0],
      ['sbin/fsck.ext2', 3, 0],
      ['sbin/fsck.ext4', 3, 18],
    ]);
    expect(Buffer.from(group[2]?.data ?? []).toString()).toBe('e2fsck binary body');
    expect(group.every((r) => r.mode === (S_IFREG | 0o755))).toBe(true);
  });

  it('writes types, device numbers, symlink targets and directory link counts', () => {
    const byName = new Map(records.map((r) => [r.name, r]));
    expect(byName.get('dev/console')).toMatchObject({
      mode: S_IFCHR | 0o600,
      rdevmajor: 5,
      rdevminor: 1,
      filesize: 0,
    });
    expect(byName.get('dev/null')).toMatchObject({
      mode: S_IFCHR | 0o666,
      rdevmajor: 1,
      rdevminor: 3,
    });
    expect(byName.get('bin/sh')).toMatchObject({ mode: S_IFLNK | 0o777 });
    expect(Buffer.from(byName.get('bin/sh')?.data ?? []).toString()).toBe('../sbin/busybox');
    expect(byName.get('tmp')).toMatchObject({ mode: S_IFDIR | 0o1777, nlink: 2 });
  });

  it('ends with the TRAILER!!! record', () => {
    const tail = Buffer.from(archive).toString('latin1', archive.length - 124);
    expect(tail).toContain('TRAILER!!!\0');
    expect(tail.startsWith('070701')).toBe(true);
  });

  it('gives identical bytes for any input order', () => {
    const shuffled = [...sample].reverse();
    expect(
      Buffer.compare(
        Buffer.from(writeNewc(shuffled, { sourceDateEpoch: EPOCH })),
        Buffer.from(archive),
      ),
    ).toBe(0);
  });

  it('rejects duplicates, escapes, dangling hard links and files used as directories', () => {
    const bad: CpioEntry[][] = [
      [sample[0] as CpioEntry, sample[0] as CpioEntry],
      [{ kind: 'dir', path: '../etc', mode: 0o755 }],
      [{ kind: 'hardlink', path: 'a', target: 'missing' }],
      [
        { kind: 'file', path: 'a', mode: 0o644, data: new Uint8Array(0) },
        { kind: 'file', path: 'a/b', mode: 0o644, data: new Uint8Array(0) },
      ],
    ];
    for (const entries of bad) {
      expect(() => writeNewc(entries, { sourceDateEpoch: EPOCH })).toThrow(InitrdError);
    }
  });

  it('reader refuses a truncated archive', () => {
    expect(() => readNewc(archive.subarray(0, archive.length - 8))).toThrow(InitrdError);
  });
});

describe('host GNU cpio agrees', () => {
  const archive = writeNewc(sample, { sourceDateEpoch: EPOCH });
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('cpio -itv lists exactly the expected tree', async () => {
    const { stdout } = await execa('cpio', ['-itv', '--quiet'], {
      input: Buffer.from(archive),
      env: { TZ: 'UTC', LC_ALL: 'C' },
    });
    expect(stdout.split('\n').map((l) => l.replace(/ +/g, ' '))).toEqual([
      'drwxr-xr-x 2 root root 0 Nov 14 2023 bin',
      'lrwxrwxrwx 1 root root 15 Nov 14 2023 bin/sh -> ../sbin/busybox',
      'drwxr-xr-x 2 root root 0 Nov 14 2023 dev',
      'crw------- 1 root root 5, 1 Nov 14 2023 dev/console',
      'crw-rw-rw- 1 root root 1, 3 Nov 14 2023 dev/null',
      'drwxr-xr-x 2 root root 0 Nov 14 2023 etc',
      '-rw-r--r-- 1 root root 10 Jan 1 1970 etc/a-b',
      '-rw------- 1 root root 0 Nov 14 2023 etc/empty',
      'drwxr-xr-x 2 root root 0 Nov 14 2023 sbin',
      '-rwxr-xr-x 1 root root 15 Nov 14 2023 sbin/busybox',
      // newc hard links: GNU cpio lists the data-less earlier names with size 0.
      '-rwxr-xr-x 3 root root 0 Nov 14 2023 sbin/e2fsck',
      '-rwxr-xr-x 3 root root 0 Nov 14 2023 sbin/fsck.ext2',
      '-rwxr-xr-x 3 root root 18 Nov 14 2023 sbin/fsck.ext4',
      'drwxrwxrwt 2 root root 0 Nov 14 2023 tmp',
      '-rw-r--r-- 1 root root 24 Nov 14 2023 version',
    ]);
  });

  it('cpio -id extracts the same tree (devices only when allowed)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ucvm-cpio-'));
    dirs.push(dir);
    await execa(
      'cpio',
      ['-id', '--quiet', '--no-absolute-filenames', '--preserve-modification-time'],
      {
        input: Buffer.from(archive),
        cwd: dir,
        reject: false,
      },
    );
    for (const e of sample) {
      const p = join(dir, e.path);
      if (e.kind === 'file') expect(Buffer.compare(await readFile(p), Buffer.from(e.data))).toBe(0);
      if (e.kind === 'symlink') expect(await readlink(p)).toBe(e.target);
      if (e.kind === 'hardlink') {
        expect((await stat(p)).ino).toBe((await stat(join(dir, e.target))).ino);
        expect(await readFile(p, 'utf8')).toBe('e2fsck binary body');
      }
      if (e.kind === 'char') {
        // mknod needs CAP_MKNOD; a rootless run extracts everything but the nodes.
        const st = await lstat(p).catch(() => undefined);
        if (process.getuid?.() === 0) {
          expect(st?.isCharacterDevice()).toBe(true);
          expect(st?.rdev).toBe((e.major << 8) | e.minor);
        }
      }
    }
    expect((await stat(join(dir, 'tmp'))).mode & 0o7777).toBe(0o1777);
    expect((await stat(join(dir, 'etc/a-b'))).mtimeMs).toBe(1000_000);
  });
});
