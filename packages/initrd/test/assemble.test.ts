import { link, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type BuildInitrdOptions,
  buildInitrd,
  InitrdError,
  initFilesDir,
  inspectInitrd,
  readNewc,
} from '../src/index.js';
import { makeModule } from './fixtures/elf-builder.js';

const EPOCH = 1700000000;
const VERSION = '6.1.0-56-amd64';
const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

/** Writes a fresh set of inputs; file modes come from the current umask, mtimes are "now". */
async function inputs(): Promise<Omit<BuildInitrdOptions, 'sourceDateEpoch' | 'strongVersion'>> {
  const base = await mkdtemp(join(tmpdir(), 'ucvm-initrd-'));
  dirs.push(base);
  const put = async (path: string, data: Uint8Array | string, exec = false) => {
    await mkdir(dirname(join(base, path)), { recursive: true });
    await writeFile(join(base, path), data, { mode: exec ? 0o777 : 0o666 });
  };
  await put('init/init', '#!/bin/sh\n. /lib/ucvm/lib.sh\n', true);
  await put('init/lib/ucvm/lib.sh', '# shellcheck shell=dash\n');
  await put('busybox/bin/busybox', await readFile('/usr/bin/busybox'), true);
  await put('e2fsprogs/sbin/mke2fs', await readFile('/usr/sbin/mke2fs'), true);
  await link(join(base, 'e2fsprogs/sbin/mke2fs'), join(base, 'e2fsprogs/sbin/mkfs.ext4'));
  await put('e2fsprogs/etc/mke2fs.conf', '[defaults]\n');
  await put('e2fsprogs/usr/share/doc/e2fsprogs/README', 'not wanted\n');
  await put(
    `kernel/lib/modules/${VERSION}/kernel/fs/fat/fat.ko`,
    makeModule(['name=fat', 'depends=']),
  );
  await put(
    `kernel/lib/modules/${VERSION}/kernel/fs/fat/vfat.ko`,
    makeModule(['name=vfat', 'depends=fat', 'alias=fs-vfat']),
  );
  await put(`kernel/lib/modules/${VERSION}/modules.builtin`, 'kernel/lib/crc32.ko\n');
  return {
    initDir: join(base, 'init'),
    components: [
      {
        name: 'busybox',
        root: join(base, 'busybox'),
        files: [{ from: 'bin/busybox', to: 'sbin/busybox' }],
      },
      {
        name: 'e2fsprogs',
        root: join(base, 'e2fsprogs'),
        files: ['sbin/mke2fs', 'sbin/mkfs.ext4', 'etc/mke2fs.conf'],
      },
      // The build host's root stands in for the libc6/libext2fs2/... package trees.
      { name: 'host-libs', root: '/', files: [] },
    ],
    kernel: { version: VERSION, modulesDir: join(base, `kernel/lib/modules/${VERSION}`) },
    modules: ['kernel/fs/fat/fat.ko', 'kernel/fs/fat/vfat.ko'],
    compression: 'xz',
  };
}

describe('buildInitrd', () => {
  it('is byte-identical across temp dirs, umasks and time zones', async () => {
    const run = async (umask: number, tz: string) => {
      const oldMask = process.umask(umask);
      const oldTz = process.env.TZ;
      process.env.TZ = tz;
      try {
        return await buildInitrd({
          ...(await inputs()),
          strongVersion: '2026.11-1.cernvm.x86_64',
          sourceDateEpoch: EPOCH,
        });
      } finally {
        process.umask(oldMask);
        process.env.TZ = oldTz;
      }
    };
    const a = await run(0o022, 'UTC');
    const b = await run(0o077, 'Asia/Tokyo');
    expect(a.compressedSize).toBe(b.compressedSize);
    expect(Buffer.compare(Buffer.from(a.bytes), Buffer.from(b.bytes))).toBe(0);
  }, 120_000);

  it('holds busybox + links, the tools with their libraries, modules, /version and build.conf', async () => {
    const out = join(await mkdtemp(join(tmpdir(), 'ucvm-out-')), 'initrd.2026.11-1.cernvm.x86_64');
    dirs.push(dirname(out));
    const events: string[] = [];
    const result = await buildInitrd({
      ...(await inputs()),
      strongVersion: '2026.11-1.cernvm.x86_64',
      sourceDateEpoch: EPOCH,
      buildConf: { branch_default: 'prod' },
      extraFiles: [{ path: 'etc/cernvm/ca-bundle.crt', data: 'CERT\n' }],
      out,
      onProgress: (e) => events.push(e.step),
    });
    expect(events).toContain('libraries');
    expect((await stat(out)).size).toBe(result.compressedSize);
    expect((await execa('xz', ['-t', out], { reject: false })).exitCode).toBe(0);

    const cpio = (await execa('xz', ['-dc', out], { encoding: 'buffer' })).stdout;
    const records = new Map(readNewc(cpio).map((r) => [r.name, r]));
    const body = (n: string) => Buffer.from(records.get(n)?.data ?? []).toString();
    expect(body('version')).toBe('2026.11-1.cernvm.x86_64\n');
    expect(body('etc/ucvm/build.conf')).toBe(
      `version=2026.11-1.cernvm.x86_64\nbuild_epoch=${EPOCH}\nkernel=${VERSION}\narch=x86_64\nbranch_default=prod\n`,
    );
    expect(records.get('dev/console')).toMatchObject({ rdevmajor: 5, rdevminor: 1 });
    expect(records.get('dev/null')).toMatchObject({ rdevmajor: 1, rdevminor: 3 });
    expect(body('bin/sh')).toBe('../sbin/busybox');
    expect(records.has('bin/mke2fs')).toBe(false); // e2fsprogs' mke2fs wins over the applet
    expect(records.get('sbin/mke2fs')?.ino).toBe(records.get('sbin/mkfs.ext4')?.ino); // hard link kept
    expect(records.has('lib/x86_64-linux-gnu/libext2fs.so.2')).toBe(true);
    expect(records.has('lib64/ld-linux-x86-64.so.2')).toBe(true);
    expect(records.has('usr/share/doc/e2fsprogs/README')).toBe(false);
    expect(body(`lib/modules/${VERSION}/modules.dep`)).toBe(
      'kernel/fs/fat/fat.ko:\nkernel/fs/fat/vfat.ko: kernel/fs/fat/fat.ko\n',
    );
    expect(records.get('init')?.mode).toBe(0o100755);
    // Nothing of the build host leaks in (build.md §5).
    for (const leak of [
      'etc/resolv.conf',
      'etc/hosts',
      'etc/nsswitch.conf',
      'etc/passwd',
      'etc/ld.so.cache',
    ]) {
      expect(records.has(leak), leak).toBe(false);
    }
    expect(result.components.map((c) => c.name)).toEqual([
      'busybox',
      'e2fsprogs',
      'extra',
      'host-libs',
      'init',
      'kernel-modules',
      'ucvm',
    ]);
    expect(result.appletLinks.length).toBeGreaterThan(200);
    expect(result.tool).toMatch(/^xz/);

    const seen = await inspectInitrd(await readFile(out));
    expect(seen).toMatchObject({
      compression: 'xz',
      version: '2026.11-1.cernvm.x86_64',
      cpioSize: result.cpioSize,
    });
    expect(seen.modules).toEqual([{ version: VERSION, names: ['fat', 'vfat'] }]);
    expect(seen.components.find((c) => c.name === 'e2fsprogs')?.bytes).toBe(
      result.components.find((c) => c.name === 'e2fsprogs')?.bytes,
    );

    // The extracted tree runs: the closure is complete (chroot needs root; the host tools are
    // run here only as a test oracle, never by the build).
    if (process.getuid?.() === 0) {
      const root = await mkdtemp(join(tmpdir(), 'ucvm-root-'));
      dirs.push(root);
      await execa('cpio', ['-id', '--quiet', '--no-absolute-filenames'], {
        input: cpio,
        cwd: root,
      });
      const mke2fs = await execa('chroot', [root, '/sbin/mke2fs', '-V'], {
        reject: false,
        all: true,
      });
      expect(mke2fs.all).toMatch(/mke2fs 1\.\d+/);
      const sh = await execa('chroot', [root, '/bin/sh', '-c', 'echo ok-$((1+1))'], {
        reject: false,
      });
      expect(sh.stdout).toBe('ok-2');
    }
  }, 120_000);

  it('refuses a library missing from every tree, naming the binary', async () => {
    const opts = await inputs();
    const components = opts.components.filter((c) => c.name !== 'host-libs');
    await expect(
      buildInitrd({
        ...opts,
        components,
        compression: 'none',
        strongVersion: '1-1.cernvm.x86_64',
        sourceDateEpoch: EPOCH,
      }),
    ).rejects.toThrow(/\/sbin\/mke2fs .*needs/);
  });

  it('refuses two components providing different content at one path', async () => {
    const opts = await inputs();
    const other = await mkdtemp(join(tmpdir(), 'ucvm-dup-'));
    dirs.push(other);
    await mkdir(join(other, 'etc'));
    await writeFile(join(other, 'etc/mke2fs.conf'), 'different\n');
    const err = await buildInitrd({
      ...opts,
      components: [...opts.components, { name: 'dup', root: other }],
      compression: 'none',
      strongVersion: '1-1.cernvm.x86_64',
      sourceDateEpoch: EPOCH,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InitrdError);
    expect((err as InitrdError).message).toMatch(/etc\/mke2fs\.conf.*e2fsprogs.*dup/);
  });
});

describe('initFilesDir', () => {
  it('points at the package init/ directory holding /init', async () => {
    const st = await stat(join(initFilesDir(), 'init'));
    expect(st.isFile()).toBe(true);
    expect(st.mode & 0o111).not.toBe(0);
  });
});
