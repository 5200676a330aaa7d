import { createHash } from 'node:crypto';
import { access, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { BootloaderError } from './errors.js';

/** Where grub-efi-amd64-bin puts the x86_64-efi modules, relative to its (component) tree. */
export const GRUB_EFI_MODULES_SUBDIR = 'usr/lib/grub/x86_64-efi';

/**
 * The least that boots the kernel from the ISO 9660 (El Torito) or the hdd's FAT with a serial
 * console (notes §3.1); grub-mkimage adds their dependencies (moddep.lst). `all_video` gives
 * the EFI stub a framebuffer; `test`/`configfile`/`normal` keep a fallback grub.cfg usable.
 */
export const GRUB_EFI_MODULES: readonly string[] = [
  'part_msdos',
  'part_gpt',
  'fat',
  'iso9660',
  'normal',
  'linux',
  'echo',
  'all_video',
  'serial',
  'terminal',
  'search',
  'search_fs_file',
  'configfile',
  'test',
];

export interface BuildEfiLoaderOptions {
  /** The x86_64-efi modules directory, or a grub-efi-amd64-bin tree holding it under `usr/lib/grub/x86_64-efi`. */
  grubDir: string;
  /** GRUB script embedded as the early config (`grubEfiCfg(...)`). */
  config: string;
  /** Where BOOTX64.EFI is written (replaced atomically). */
  outPath: string;
  /** Default `GRUB_EFI_MODULES`. */
  modules?: readonly string[];
  /** The grub-mkimage binary (default from PATH). */
  grubMkimage?: string;
  /** Limit for each grub-mkimage run, ms (default 60 000). */
  timeoutMs?: number;
}

export interface EfiLoader {
  path: string;
  size: number;
  sha256: string;
  /** `grub-mkimage --version` output, for the manifest's tool versions (build.md §1). */
  toolVersion: string;
  modulesDir: string;
}

/**
 * BOOTX64.EFI: `grub-mkimage -O x86_64-efi -p /EFI/BOOT -c <config>` (build.md §6; syslinux.efi
 * crashes as an El Torito EFI image under OVMF, notes §3.1). The output depends only on the
 * modules, the module list and the config: grub-mkimage embeds no time, path or host data
 * (two runs are byte-identical, notes §3.1; checked by the tests).
 */
export async function buildEfiLoader(opts: BuildEfiLoaderOptions): Promise<EfiLoader> {
  const tool = opts.grubMkimage ?? 'grub-mkimage';
  const timeout = opts.timeoutMs ?? 60_000;
  const toolVersion = await grubMkimageVersion(tool, timeout);
  const modulesDir = await findModulesDir(opts.grubDir);
  const modules = [...(opts.modules ?? GRUB_EFI_MODULES)];
  for (const m of modules) {
    if (!/^[a-z0-9_]+$/.test(m)) {
      throw new BootloaderError(
        'GRUB_MODULES_MISSING',
        `GRUB module name '${m}' is not valid`,
        'use module names such as `linux` or `part_gpt`',
      );
    }
  }
  const work = await mkdtemp(join(tmpdir(), 'ucvm-grub-'));
  try {
    const cfg = join(work, 'embedded.cfg');
    const tmpOut = `${opts.outPath}.tmp-${process.pid}`;
    await writeFile(cfg, opts.config);
    const args = [
      '-d',
      modulesDir,
      '-O',
      'x86_64-efi',
      '-p',
      '/EFI/BOOT',
      '-c',
      cfg,
      '-o',
      tmpOut,
      ...modules,
    ];
    const r = await execa(tool, args, {
      reject: false,
      timeout,
      stdin: 'ignore',
      all: true,
      env: { LC_ALL: 'C' },
    });
    if (r.exitCode !== 0 || r.timedOut) {
      await rm(tmpOut, { force: true });
      throw new BootloaderError(
        'GRUB_MKIMAGE_FAILED',
        r.timedOut
          ? `grub-mkimage did not finish within ${timeout} ms`
          : `grub-mkimage failed (exit ${r.exitCode}): ${String(r.all ?? '').trim() || 'no output'}`,
        'check that the module list exists in the modules directory and that grub-mkimage and the modules are the same GRUB release',
        1,
      );
    }
    await rename(tmpOut, opts.outPath);
    const bytes = await readFile(opts.outPath);
    return {
      path: opts.outPath,
      size: bytes.length,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      toolVersion,
      modulesDir,
    };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function grubMkimageVersion(tool: string, timeout: number): Promise<string> {
  const r = await execa(tool, ['--version'], { reject: false, timeout, stdin: 'ignore' });
  if (r.failed || r.exitCode !== 0) {
    const missing = (r as { code?: string }).code === 'ENOENT';
    throw new BootloaderError(
      'TOOL_MISSING',
      missing
        ? `grub-mkimage not found ('${tool}')`
        : `grub-mkimage ('${tool}') does not run: ${r.shortMessage}`,
      'install the Debian package grub-common (apt-get install grub-common), which provides grub-mkimage',
      1,
    );
  }
  return String(r.stdout).trim();
}

async function findModulesDir(grubDir: string): Promise<string> {
  for (const dir of [grubDir, join(grubDir, GRUB_EFI_MODULES_SUBDIR)]) {
    try {
      await access(join(dir, 'moddep.lst'));
      await access(join(dir, 'kernel.img'));
      return dir;
    } catch {
      // try the next candidate
    }
  }
  throw new BootloaderError(
    'GRUB_MODULES_MISSING',
    `no x86_64-efi GRUB modules (moddep.lst, kernel.img) in '${grubDir}' or its ${GRUB_EFI_MODULES_SUBDIR}`,
    'pass the grub-efi-amd64-bin component tree or its usr/lib/grub/x86_64-efi directory (Debian package grub-efi-amd64-bin)',
    2,
  );
}
