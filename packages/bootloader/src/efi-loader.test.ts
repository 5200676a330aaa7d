import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultConfig, validateConfig } from '@ucvm/components';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEfiLoader } from './efi-loader.js';
import { BootloaderError } from './errors.js';
import { grubEfiCfg } from './grub-efi.js';
import { bootMenu } from './menu.js';

// The host's grub-efi-amd64-bin (same GRUB release as the default component pin, 2.06-13+deb12u2).
const HOST_MODULES = '/usr/lib/grub/x86_64-efi';
const config = validateConfig(defaultConfig);
const branch = config.branches.find((b) => b.name === 'devel');
if (!branch) throw new Error('no devel branch');
const cfg = grubEfiCfg(bootMenu({ branch, config }));

let work = '';
beforeAll(async () => {
  if (!existsSync(join(HOST_MODULES, 'moddep.lst'))) {
    throw new Error(`${HOST_MODULES} missing: apt-get install -y grub-efi-amd64-bin grub-common`);
  }
  work = await mkdtemp(join(tmpdir(), 'ucvm-efi-test-'));
});
afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

async function rejection(p: Promise<unknown>): Promise<BootloaderError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof BootloaderError) return err;
    throw err;
  }
  throw new Error('expected a BootloaderError');
}

describe('buildEfiLoader', () => {
  it('builds a PE/COFF BOOTX64.EFI with the config embedded, byte-identical across runs', async () => {
    const a = await buildEfiLoader({
      grubDir: HOST_MODULES,
      config: cfg,
      outPath: join(work, 'a.efi'),
    });
    const b = await buildEfiLoader({
      grubDir: HOST_MODULES,
      config: cfg,
      outPath: join(work, 'b.efi'),
    });
    const bytes = await readFile(a.path);
    expect(bytes.subarray(0, 2).toString('latin1')).toBe('MZ');
    const pe = bytes.readUInt32LE(0x3c);
    expect(bytes.subarray(pe, pe + 4).toString('latin1')).toBe('PE\0\0');
    expect(bytes.readUInt16LE(pe + 4)).toBe(0x8664); // IMAGE_FILE_MACHINE_AMD64
    expect(bytes.includes(Buffer.from(cfg))).toBe(true);
    expect(a.size).toBe(bytes.length);
    expect(a.size).toBeGreaterThan(100_000);
    expect(Buffer.compare(bytes, await readFile(b.path))).toBe(0);
    expect(b.sha256).toBe(a.sha256);
    expect(a.toolVersion).toMatch(/^grub-mkimage \(GRUB\) /);
    expect(a.modulesDir).toBe(HOST_MODULES);
  });

  it('depends on the config', async () => {
    const other = grubEfiCfg(bootMenu({ branch, config, variant: 'hvm' }));
    const a = await buildEfiLoader({
      grubDir: HOST_MODULES,
      config: cfg,
      outPath: join(work, 'c1.efi'),
    });
    const b = await buildEfiLoader({
      grubDir: HOST_MODULES,
      config: other,
      outPath: join(work, 'c2.efi'),
    });
    expect(b.sha256).not.toBe(a.sha256);
  });

  it('takes a grub-efi-amd64-bin tree root and finds usr/lib/grub/x86_64-efi in it', async () => {
    const tree = join(work, 'tree');
    await mkdir(join(tree, 'usr/lib/grub'), { recursive: true });
    await symlink(HOST_MODULES, join(tree, 'usr/lib/grub/x86_64-efi'));
    const r = await buildEfiLoader({ grubDir: tree, config: cfg, outPath: join(work, 't.efi') });
    expect(r.modulesDir).toBe(join(tree, 'usr/lib/grub/x86_64-efi'));
    const ref = await buildEfiLoader({
      grubDir: HOST_MODULES,
      config: cfg,
      outPath: join(work, 'r.efi'),
    });
    expect(r.sha256).toBe(ref.sha256);
  });

  it('says which package to install when grub-mkimage is missing', async () => {
    const err = await rejection(
      buildEfiLoader({
        grubDir: HOST_MODULES,
        config: cfg,
        outPath: join(work, 'x.efi'),
        grubMkimage: join(work, 'no-such-grub-mkimage'),
      }),
    );
    expect(err.code).toBe('TOOL_MISSING');
    expect(err.message).toContain('not found');
    expect(err.hint).toContain('grub-common');
    expect(err.exitCode).toBe(1);
  });

  it('refuses a directory without GRUB modules', async () => {
    const empty = join(work, 'empty');
    await mkdir(empty, { recursive: true });
    const err = await rejection(
      buildEfiLoader({ grubDir: empty, config: cfg, outPath: join(work, 'y.efi') }),
    );
    expect(err.code).toBe('GRUB_MODULES_MISSING');
    expect(err.message).toContain(empty);
    expect(err.hint).toContain('grub-efi-amd64-bin');
  });

  it('reports a grub-mkimage failure with its output and leaves no partial file', async () => {
    const dir = join(work, 'fail');
    await mkdir(dir, { recursive: true });
    const err = await rejection(
      buildEfiLoader({
        grubDir: HOST_MODULES,
        config: cfg,
        outPath: join(dir, 'z.efi'),
        modules: ['linux', 'no_such_module'],
      }),
    );
    expect(err.code).toBe('GRUB_MKIMAGE_FAILED');
    expect(err.message).toContain('no_such_module');
    expect(await readdir(dir)).toEqual([]);
  });
});
