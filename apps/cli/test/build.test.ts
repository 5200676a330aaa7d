import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestEnv, runCli, testBuildArgs } from './run-cli.js';

// `ucvm build` end to end with the real cached Debian components and the CernVM-FS test
// stand-in; gzip keeps the initrd step short. Every product is checked by a host tool that is
// not ours (testing.md): xorriso, fsck.fat, mtools, sfdisk, tar, sha256sum.

const EPOCH = '1700000000';
const STRONG = '2026.11-1.cernvm.x86_64.cvmfs-standin';
const DIR = `ucernvm-images.${STRONG}`;
const work = mkdtempSync(join(tmpdir(), 'ucvm-build-test-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function ucvm(argv: string[], env: Record<string, string> = {}) {
  return runCli(argv, work, buildTestEnv(EPOCH, env));
}

function sh(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, {
    encoding: 'utf8',
    env: { ...process.env, LC_ALL: 'C', TZ: 'UTC', MTOOLS_SKIP_CHECK: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 120_000,
    maxBuffer: 64 << 20,
  });
}

/** Runs a build with a given TZ and umask (restored afterwards). */
async function buildWith(out: string, tz: string, umask: number, extra: string[] = []) {
  const oldTz = process.env.TZ;
  const oldMask = process.umask(umask);
  process.env.TZ = tz;
  try {
    return await ucvm(
      testBuildArgs(out, { branches: ['prod', 'devel'], extra: ['--jobs', '2', ...extra] }),
    );
  } finally {
    process.umask(oldMask);
    if (oldTz === undefined) delete process.env.TZ;
    else process.env.TZ = oldTz;
  }
}

const outA = join(work, 'a');
const dirA = join(outA, DIR);
const f = (name: string) => join(dirA, name);
const iso = (b: string) => f(`ucernvm-${b}.${STRONG}.iso`);
const hdd = (b: string) => f(`ucernvm-${b}.${STRONG}.hdd`);
const fat = (b: string) => f(`ucernvm-${b}.${STRONG}.fat`);
let first: Awaited<ReturnType<typeof ucvm>>;

beforeAll(async () => {
  first = await buildWith(outA, 'UTC', 0o022);
}, 300_000);

describe('ucvm build', () => {
  it('writes every product under the compatibility names, marked as stand-in builds', () => {
    expect(first.stderr).toContain('TEST STAND-IN');
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(
      'WARNING: built with the CernVM-FS TEST STAND-IN, not the real client — not for production',
    );
    const names = readdirSync(dirA)
      .filter((n) => !n.startsWith('.'))
      .sort();
    const products = [
      `initrd.${STRONG}`,
      `ucernvm.${STRONG}.tar`,
      'sbom.cdx.json',
      ...['devel', 'prod'].flatMap((b) =>
        ['fat', 'hdd', 'iso'].map((x) => `ucernvm-${b}.${STRONG}.${x}`),
      ),
    ];
    const expected = [...products, 'manifest.json'].flatMap((n) => [n, `${n}.sha256`]).sort();
    expect(names).toEqual(expected);
    const m = JSON.parse(readFileSync(f('manifest.json'), 'utf8'));
    expect(m.cvmfsStandin).toBe(true);
    expect(m.strongVersion).toBe(STRONG);
    expect(m.sourceDateEpoch).toBe(Number(EPOCH));
    expect(m.configDigest).toMatch(/^[0-9a-f]{64}$/);
    expect(m.outputs.map((o: { name: string }) => o.name).sort()).toEqual([...products].sort());
    const prodIso = m.outputs.find((o: { name: string }) =>
      o.name.endsWith('prod.' + STRONG + '.iso'),
    );
    expect(prodIso).toMatchObject({ branch: 'prod', format: 'iso', kind: 'image' });
    expect(prodIso.sha256).toBe(sh('sha256sum', [iso('prod')]).split(' ')[0]);
    const cvmfs = m.inputs.find((i: { role: string }) => i.role === 'cvmfs');
    expect(cvmfs.source).toContain('STAND-IN');
    expect(m.inputs.find((i: { name: string }) => i.name === 'isolinux').sha256).toMatch(
      /^[0-9a-f]{64}$/,
    );
    expect(Object.keys(m.tools)).toEqual(
      expect.arrayContaining(['grub-mkimage', 'syslinux', 'node', 'ucvm']),
    );
  });

  it('writes .sha256 files that sha256sum -c accepts', () => {
    const sums = readdirSync(dirA).filter((n) => n.endsWith('.sha256'));
    const out = execFileSync('sha256sum', ['-c', ...sums], { cwd: dirA, encoding: 'utf8' });
    expect(out.trim().split('\n')).toHaveLength(sums.length);
    expect(out).not.toMatch(/FAILED/);
  });

  it('ISO: BIOS and UEFI El Torito entries; the extracted tree is the build.md §2 tree', () => {
    const report = sh('xorriso', ['-indev', iso('prod'), '-report_el_torito', 'plain']);
    expect(report).toMatch(/El Torito boot img : +1 +BIOS +y/);
    expect(report).toMatch(/El Torito boot img : +2 +UEFI +y/);
    const x = join(work, 'iso-x');
    sh('xorriso', ['-osirrox', 'on', '-indev', iso('prod'), '-extract', '/', x]);
    const read = (p: string) => readFileSync(join(x, p));
    expect(read('.ucernvm_boot_loader').length).toBe(0);
    expect(read('version').toString()).toBe(`cernvm-prod.cern.ch at HEAD, uCernVM ${STRONG}\n`);
    expect(Buffer.compare(read('cernvm/initrd.img'), readFileSync(f(`initrd.${STRONG}`)))).toBe(0);
    const cfg = read('isolinux/isolinux.cfg').toString();
    expect(cfg.startsWith('SERIAL 0 115200')).toBe(true);
    expect(cfg).toContain('cvmfs_repos=cernvm-prod.cern.ch');
    expect(Buffer.compare(read('isolinux/syslinux.cfg'), read('isolinux/isolinux.cfg'))).toBe(0);
    expect(read('isolinux/ldlinux.c32').length).toBeGreaterThan(100_000);
    expect(read('boot/grub/menu.lst').toString()).toContain('kernel /cernvm/vmlinuz.xz');
    expect(read('EFI/BOOT/BOOTX64.EFI').subarray(0, 2).toString()).toBe('MZ');
    expect(read('EFI/BOOT/grub.cfg').toString()).toContain('cvmfs_repos=cernvm-prod.cern.ch');
    // The kernel is the one in the update pack.
    const t = join(work, 'tar-x');
    mkdirSync(t);
    sh('tar', ['-xf', f(`ucernvm.${STRONG}.tar`), '-C', t]);
    const kernelName = readdirSync(t).find((n) => n.startsWith('vmlinuz-'));
    expect(kernelName).toMatch(/^vmlinuz-6\.1\.\d+-\d+-1\.cernvm\.x86_64\.xz$/);
    expect(Buffer.compare(read('cernvm/vmlinuz.xz'), readFileSync(join(t, kernelName!)))).toBe(0);
    // The devel image differs only by its branch's configuration.
    const devel = sh('xorriso', ['-indev', iso('devel'), '-report_el_torito', 'plain']);
    expect(devel).toMatch(/UEFI/);
  });

  it('update pack: apply names the members with their sha256 (runtime.md §6.8)', () => {
    const list = sh('tar', ['-tf', f(`ucernvm.${STRONG}.tar`)])
      .trim()
      .split('\n');
    expect(list[0]).toBe('apply');
    expect(list).toContain(`initrd.${STRONG}`);
    const t = join(work, 'tar-x');
    const apply = readFileSync(join(t, 'apply'), 'utf8');
    const kv = Object.fromEntries(
      apply
        .trim()
        .split('\n')
        .map((l) => l.split(/=(.*)/s).slice(0, 2)),
    );
    expect(kv.version).toBe(STRONG);
    expect(kv.initrd).toBe(`initrd.${STRONG}`);
    expect(kv.initrd_sha256).toBe(sh('sha256sum', [join(t, kv.initrd)]).split(' ')[0]);
    expect(kv.kernel_sha256).toBe(sh('sha256sum', [join(t, kv.kernel)]).split(' ')[0]);
  });

  it('FAT: fsck.fat clean, mtools lists the tree and reads menu.lst', () => {
    expect(sh('fsck.fat', ['-n', fat('prod')])).toMatch(/files/);
    const dir = sh('mdir', ['-i', fat('prod'), '-/', '-b', '::/']);
    for (const p of ['::/cernvm/initrd.img', '::/isolinux/isolinux.cfg', '::/boot/grub/menu.lst']) {
      expect(dir).toContain(p);
    }
    expect(sh('mtype', ['-i', fat('prod'), '::/boot/grub/menu.lst'])).toContain('root (hd0)');
  });

  it('HDD: one active FAT partition at 1 MiB, fsck clean, syslinux installed', () => {
    const dump = sh('sfdisk', ['--dump', hdd('prod')]);
    expect(dump).toMatch(/start= +2048, size= +\d+, type=[ec], bootable/);
    const img = readFileSync(hdd('prod'));
    expect(img.length).toBe(24 * 1024 * 1024);
    expect(img.subarray(0, 440).some((b) => b !== 0)).toBe(true); // mbr.bin code
    const part = join(work, 'part.img');
    writeFileSync(part, img.subarray(1024 * 1024));
    expect(sh('fsck.fat', ['-n', part])).toMatch(/files/);
    const dir = sh('mdir', ['-a', '-i', `${hdd('prod')}@@1M`, '-/', '-b', '::/isolinux']);
    expect(dir).toContain('ldlinux.sys');
    expect(dir).toContain('syslinux.cfg');
  });

  it('a second run reuses everything and says so; a damaged product is rebuilt alone', async () => {
    writeFileSync(join(dirA, `.ucernvm-prod.${STRONG}.iso.ucvm-tmp-99999`), 'stale');
    const again = await buildWith(outA, 'UTC', 0o022);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('nothing changed: reused all 9 outputs');
    expect(again.stdout).toMatch(/removed 1 temporary file/);
    expect(readdirSync(dirA).filter((n) => n.includes('ucvm-tmp'))).toEqual([]);
    const before = readFileSync(fat('devel'));
    const damaged = Buffer.from(before);
    damaged[5_000_000] = (damaged[5_000_000] ?? 0) ^ 0xff;
    writeFileSync(fat('devel'), damaged);
    const third = await buildWith(outA, 'UTC', 0o022, ['--json']);
    const events = third.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const result = events.find((e) => e.event === 'result');
    expect(result.built).toEqual([`ucernvm-devel.${STRONG}.fat`]);
    expect(result.reused).toHaveLength(8);
    expect(Buffer.compare(readFileSync(fat('devel')), before)).toBe(0);
  }, 300_000);

  it('is byte-identical in another directory with another TZ and umask', async () => {
    const outB = join(work, 'b');
    const b = await buildWith(outB, 'America/New_York', 0o077);
    expect(b.code).toBe(0);
    const dirB = join(outB, DIR);
    const names = readdirSync(dirA).filter((n) => !n.startsWith('.'));
    expect(
      readdirSync(dirB)
        .filter((n) => !n.startsWith('.'))
        .sort(),
    ).toEqual(names.sort());
    for (const n of names) {
      expect(Buffer.compare(readFileSync(join(dirA, n)), readFileSync(join(dirB, n))), n).toBe(0);
    }
  }, 300_000);

  it('ucvm image writes the same image from the built initrd and kernel', async () => {
    const t = join(work, 'tar-x');
    const kernel = readdirSync(t).find((n) => n.startsWith('vmlinuz-'))!;
    const out = join(work, 'single');
    mkdirSync(out);
    const r = await ucvm([
      'image',
      '--cvmfs-standin',
      '--branch',
      'devel',
      '--format',
      'fat',
      '--initrd',
      f(`initrd.${STRONG}`),
      '--kernel',
      join(t, kernel),
      '--out',
      out,
    ]);
    expect(r.stderr).toContain('TEST STAND-IN');
    expect(r.code).toBe(0);
    const name = `ucernvm-devel.${STRONG}.fat`;
    expect(Buffer.compare(readFileSync(join(out, name)), readFileSync(fat('devel')))).toBe(0);
    expect(readFileSync(join(out, `${name}.sha256`), 'utf8')).toBe(
      readFileSync(`${fat('devel')}.sha256`, 'utf8'),
    );
  }, 120_000);

  it('usage errors exit 2 and name the value; --format selects the formats written', async () => {
    const badBranch = await ucvm(['build', '--branch', 'nope', '--out', join(work, 'x')]);
    expect(badBranch.code).toBe(2);
    expect(badBranch.stderr).toContain('"nope" is not a configured branch');
    const badFormat = await ucvm(['build', '--format', 'floppy', '--out', join(work, 'x')]);
    expect(badFormat.code).toBe(2);
    expect(badFormat.stderr).toContain('"floppy" is not an image format');
    const jobs = await ucvm(['build', '--jobs', '0']);
    expect(jobs.code).toBe(2);
    // Every format of IMAGE_FORMATS is written now (ova and box: build-derived.test.ts).
    const derived = await buildWith(outA, 'UTC', 0o022, ['--format', 'fat']);
    expect(derived.code).toBe(0);
    expect(derived.stdout).not.toContain('not implemented yet');
    const m = JSON.parse(readFileSync(f('manifest.json'), 'utf8'));
    expect(m.outputs.map((o: { format?: string }) => o.format).filter(Boolean)).toEqual([
      'fat',
      'fat',
    ]);
  }, 300_000);
});
