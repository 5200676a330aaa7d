// The real thing: Debian's current kernel package, unpacked in-process, its module index
// computed from .modinfo, the closure compared with kmod's `modprobe --show-depends`.
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
} from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fetchKernel, type KernelTree, loadModuleIndex, moduleClosure } from '../src/index.js';

const REQUEST =
  'virtio_blk overlay fuse ext4 vfat iso9660 udf nvme ahci sd_mod virtio_net e1000'.split(' ');
const cacheDir = join(
  process.env.UCVM_TEST_CACHE ?? join(tmpdir(), 'ucvm-test-cache'),
  'debian-kernel',
);
const work = mkdtempSync(join(tmpdir(), 'ucvm-debkernel-'));
// Removing the ~400 MB tree can take a while on a busy disk.
afterAll(() => rm(work, { recursive: true, force: true }), 120_000);

const run = (cmd: string, args: string[], timeout = 120_000, cwd?: string): string =>
  execFileSync(cmd, args, {
    cwd,
    encoding: 'utf8',
    timeout,
    maxBuffer: 1 << 26,
    stdio: ['ignore', 'pipe', 'pipe'],
  });

/** The linux-image-<ver>-amd64 package that linux-image-amd64 depends on, downloaded once. */
function debianKernelDeb(): string {
  const depends = run('apt-cache', ['depends', 'linux-image-amd64']);
  const pkg = /Depends: (linux-image-\d[^\s]*-amd64)\b/.exec(depends)?.[1];
  if (pkg === undefined)
    throw new Error(`apt-cache depends linux-image-amd64 names no kernel package:\n${depends}`);
  mkdirSync(cacheDir, { recursive: true });
  const cached = readdirSync(cacheDir).find((f) => f.startsWith(`${pkg}_`) && f.endsWith('.deb'));
  if (cached) return join(cacheDir, cached);
  const tmp = mkdtempSync(join(cacheDir, 'download-'));
  try {
    run('apt-get', ['download', pkg], 240_000, tmp);
  } catch (error) {
    throw new Error(
      `apt-get download ${pkg} failed or took over 240 s (Debian archive unreachable?): ${String(error)}`,
    );
  }
  const file = readdirSync(tmp).find((f) => f.endsWith('.deb'));
  if (file === undefined) throw new Error(`apt-get download ${pkg} produced no .deb`);
  renameSync(join(tmp, file), join(cacheDir, file)); // atomic: a half download never looks cached
  rmSync(tmp, { recursive: true, force: true });
  return join(cacheDir, file);
}

describe('the Debian kernel package', () => {
  let kernel: KernelTree;
  let root: string;

  it('unpacks, and yields image, config, System.map and a module index computed from .modinfo', async () => {
    const deb = debianKernelDeb();
    root = join(work, 'root');
    kernel = await fetchKernel(readFileSync(deb), root, { name: deb });
    expect(kernel.version).toMatch(/^\d+\.\d+\.\d+-\d+-amd64$/);
    expect(kernel.versionString?.startsWith(`${kernel.version} (debian-kernel@`)).toBe(true);
    expect(kernel.image).toBe(join(root, `boot/vmlinuz-${kernel.version}`));
    expect(readFileSync(kernel.config as string, 'utf8')).toMatch(/^CONFIG_EXT4_FS=m$/m);
    expect(kernel.systemMap).toBe(join(root, `boot/System.map-${kernel.version}`));
    expect(kernel.index.source).toBe('modinfo'); // Debian ships no modules.dep (image-recipes §7)
    expect(kernel.index.modules.size).toBeGreaterThan(1000);
    expect(kernel.index.builtin.has('af_packet')).toBe(true);
    expect(kernel.index.softdeps.get('ext4')?.pre).toContain('crypto-crc32c');
  }, 300_000);

  it('module closure matches modprobe --show-depends (kmod), in a dependency-respecting order', () => {
    const ours = moduleClosure(kernel.index, REQUEST);
    // modprobe needs depmod's files; Debian runs depmod in postinst. No -F: System.map is a stub.
    run('depmod', ['-b', root, kernel.version]);
    const out = run('modprobe', [
      '-a',
      '--show-depends',
      '-S',
      kernel.version,
      '-d',
      root,
      ...REQUEST,
    ]);
    const theirs = new Set<string>();
    const theirBuiltins = new Set<string>();
    for (const line of out.split('\n').filter(Boolean)) {
      const [verb, what] = line.split(' ');
      if (verb === 'insmod') theirs.add((what as string).slice(kernel.modulesDir.length + 1));
      else if (verb === 'builtin') theirBuiltins.add(what as string);
      else throw new Error(`unexpected modprobe output line: ${line}`);
    }
    expect(ours.modules.map((m) => m.path).sort()).toEqual([...theirs].sort());
    expect(ours.builtin.sort()).toEqual([...theirBuiltins].sort());
    expect(new Set(ours.modules.map((m) => m.name)).size).toBe(ours.modules.length);
    // Every module after all its hard dependencies; crc32c (ext4's softdep) before ext4.
    const position = new Map(ours.modules.map((m, i) => [m.name, i]));
    for (const [i, m] of ours.modules.entries()) {
      for (const dep of m.deps)
        expect(position.get(dep), `${dep} before ${m.name}`).toBeLessThan(i);
    }
    expect(position.get('crc32c_generic')).toBeLessThan(position.get('ext4') as number);
    expect(ours.unresolvedSoftdeps).toEqual([]);
  }, 120_000);

  it('the index computed from .modinfo equals what depmod wrote', async () => {
    expect(existsSync(join(kernel.modulesDir, 'modules.dep'))).toBe(true);
    const depmod = await loadModuleIndex(kernel.modulesDir);
    expect(depmod.source).toBe('modules.dep');
    const deps = (index: typeof depmod): string[] =>
      [...index.modules.values()].map((m) => `${m.path}: ${[...m.deps].sort().join(' ')}`).sort();
    expect(deps(kernel.index)).toEqual(deps(depmod));
    const aliases = (index: typeof depmod): string[] =>
      [...new Set(index.aliases.map((a) => `${a.pattern} ${a.module}`))].sort();
    expect(aliases(kernel.index)).toEqual(aliases(depmod));
    expect(new Map([...kernel.index.softdeps].sort())).toEqual(
      new Map([...depmod.softdeps].sort()),
    );
    expect(
      moduleClosure(depmod, REQUEST)
        .modules.map((m) => m.path)
        .sort(),
    ).toEqual(
      moduleClosure(kernel.index, REQUEST)
        .modules.map((m) => m.path)
        .sort(),
    );
  }, 120_000);
});
