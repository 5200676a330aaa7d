import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  fetchKernel,
  formatModulesDep,
  KernelFetchError,
  locateKernel,
  moduleClosure,
} from '../src/index.js';
import { fakeBzImage, fakeModule } from './helpers/fake-kernel.js';

const work = mkdtempSync(join(tmpdir(), 'ucvm-kf-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const VERSION = '5.10.0-cernvm1';
const compress = (cmd: string[], data: Uint8Array): Buffer =>
  execFileSync(cmd[0] as string, cmd.slice(1), { input: data, timeout: 60_000 });

/** A CernVM-style kernel tarball tree: vmlinuz + lib/modules/V with .ko, .ko.xz and .ko.zst. */
function cernvmTree(root: string, banner = `${VERSION} (builder@cernvm) #1 SMP`): void {
  const mod = (rel: string, fields: string[], how?: string[]): void => {
    const path = join(root, 'lib/modules', VERSION, rel);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, how ? compress(how, fakeModule(fields)) : fakeModule(fields));
  };
  mkdirSync(root, { recursive: true });
  writeFileSync(join(root, 'vmlinuz'), fakeBzImage(banner));
  writeFileSync(join(root, 'config'), 'CONFIG_EXT4_FS=m\n');
  writeFileSync(join(root, 'System.map'), 'ffffffff81000000 T _text\n');
  mod(
    'kernel/fs/ext4/ext4.ko.xz',
    ['alias=fs-ext4', 'softdep=pre: crc32c', 'depends=jbd2,crc16', 'name=ext4'],
    ['xz', '-c', '--check=crc32'],
  );
  mod('kernel/fs/jbd2/jbd2.ko.zst', ['depends=', 'name=jbd2'], ['zstd', '-q', '-c']);
  mod('kernel/lib/crc16.ko.gz', ['depends=', 'name=crc16'], ['gzip', '-c']);
  mod('kernel/crypto/crc32c_generic.ko', [
    'alias=crypto-crc32c',
    'alias=crc32c',
    'depends=',
    'name=crc32c_generic',
  ]);
  mod('kernel/lib/crc-t10dif.ko', ['depends=', 'name=crc_t10dif']);
  writeFileSync(
    join(root, 'lib/modules', VERSION, 'modules.builtin'),
    'kernel/net/packet/af_packet.ko\n',
  );
}

describe('locateKernel / fetchKernel (CernVM kernel tarball layout)', () => {
  it('finds image, config, System.map and computes the index from .modinfo (.ko, .ko.xz, .ko.zst, .ko.gz)', async () => {
    const root = join(work, 'tree');
    cernvmTree(root);
    const k = await locateKernel(root);
    expect(k).toMatchObject({
      version: VERSION,
      versionString: `${VERSION} (builder@cernvm) #1 SMP`,
      image: join(root, 'vmlinuz'),
      config: join(root, 'config'),
      systemMap: join(root, 'System.map'),
      systemMapIsPlaceholder: false,
      modulesDir: join(root, 'lib/modules', VERSION),
    });
    expect(k.index.source).toBe('modinfo');
    expect(formatModulesDep(k.index)).toBe(
      [
        'kernel/crypto/crc32c_generic.ko:',
        'kernel/fs/ext4/ext4.ko.xz: kernel/fs/jbd2/jbd2.ko.zst kernel/lib/crc16.ko.gz',
        'kernel/fs/jbd2/jbd2.ko.zst:',
        'kernel/lib/crc-t10dif.ko:',
        'kernel/lib/crc16.ko.gz:',
        '',
      ].join('\n'),
    );
    const c = moduleClosure(k.index, ['fs-ext4', 'af_packet', 'crc-t10dif']);
    expect(c.modules.map((m) => m.name)).toEqual([
      'crc16',
      'jbd2',
      'crc32c_generic',
      'ext4',
      'crc_t10dif',
    ]);
    expect(c.builtin).toEqual(['af_packet']);
  });

  it('unpacks a tar.gz kernel tarball with one top-level directory', async () => {
    const src = join(work, 'src');
    cernvmTree(join(src, 'cernvm-kernel'));
    const tgz = execFileSync('tar', ['-C', src, '-czf', '-', 'cernvm-kernel'], { timeout: 60_000 });
    const dest = join(work, 'unpacked');
    const k = await fetchKernel(tgz, dest, { name: 'kernel.tar.gz' });
    expect(k.version).toBe(VERSION);
    expect(k.image).toBe(join(dest, 'cernvm-kernel/vmlinuz'));
    expect(k.unpacked.files).toBe(9);
    expect(readFileSync(k.image).subarray(0x202, 0x206).toString()).toBe('HdrS');
  });

  it('refuses an image whose version differs from its modules, several versions, and no image', async () => {
    const bad = join(work, 'mismatch');
    cernvmTree(bad, '5.4.0-other (x) #1');
    await expect(locateKernel(bad)).rejects.toMatchObject({
      code: 'KERNEL_VERSION',
      message: expect.stringMatching(
        /vmlinuz is kernel "5\.4\.0-other" but its modules are in .*5\.10\.0-cernvm1/,
      ),
    });
    const two = join(work, 'two');
    cernvmTree(two);
    mkdirSync(join(two, 'lib/modules/6.0.0'));
    await expect(locateKernel(two)).rejects.toMatchObject({ code: 'KERNEL_VERSION', exitCode: 2 });
    await expect(locateKernel(two, { version: VERSION })).resolves.toMatchObject({
      version: VERSION,
    });
    rmSync(join(two, 'vmlinuz'));
    const error = await locateKernel(two, { version: VERSION }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KernelFetchError);
    expect(error).toMatchObject({
      code: 'KERNEL_LAYOUT',
      hint: expect.stringContaining('vmlinuz'),
    });
    await expect(locateKernel(join(work, 'nothing-here'))).rejects.toMatchObject({
      code: 'KERNEL_LAYOUT',
    });
  });

  it('names a module depending on something missing from the tree', async () => {
    const root = join(work, 'broken');
    cernvmTree(root);
    writeFileSync(
      join(root, 'lib/modules', VERSION, 'kernel/lib/crc16.ko.gz'),
      compress(['gzip', '-c'], fakeModule(['depends=ghost', 'name=crc16'])),
    );
    await expect(locateKernel(root)).rejects.toThrow(
      /module crc16 depends on "ghost", which is not in the tree/,
    );
  });
});
