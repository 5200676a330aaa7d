import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readVhdFooter } from '@ucvm/images';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestEnv, runCli, testBuildArgs } from './run-cli.js';

// `ucvm build` of the derived cloud formats (build.md §1, §6, §7), each checked by a tool that
// is not ours: qemu-img (check, compare, info), GNU tar, mtools, sha256sum.

const EPOCH = '1700000000';
const STRONG = '2026.11-1.cernvm.x86_64.cvmfs-standin';
const DIR = `ucernvm-images.${STRONG}`;
const MiB = 1024 * 1024;
const work = mkdtempSync(join(tmpdir(), 'ucvm-build-derived-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const SUFFIXES = ['hdd', 'hvm', 'tar.gz', 'vhd', 'qcow2', 'vdi', 'vmdk', 'ova', 'box'];
const FORMATS = ['hdd', 'hvm', 'gce', 'vhd', 'qcow2', 'vdi', 'vmdk', 'ova', 'box'];

function sh(cmd: string, args: string[], opts: { cwd?: string } = {}): string {
  if (spawnSync('sh', ['-c', `command -v ${cmd}`]).status !== 0) {
    const pkg = { 'qemu-img': 'qemu-utils', mtype: 'mtools', xmllint: 'libxml2-utils' }[cmd] ?? cmd;
    throw new Error(`host tool ${cmd} missing: apt-get install -y ${pkg}`);
  }
  return execFileSync(cmd, args, {
    encoding: 'utf8',
    env: { ...process.env, LC_ALL: 'C', TZ: 'UTC', MTOOLS_SKIP_CHECK: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 120_000,
    maxBuffer: 64 << 20,
    ...opts,
  });
}

/** One build with the given TZ, umask and temporary directory (all restored afterwards). */
async function build(out: string, tz: string, umask: number, tmp: string) {
  const saved = { TZ: process.env.TZ, TMPDIR: process.env.TMPDIR };
  const oldMask = process.umask(umask);
  process.env.TZ = tz;
  process.env.TMPDIR = tmp;
  try {
    return await runCli(testBuildArgs(out, { formats: FORMATS }), work, buildTestEnv(EPOCH));
  } finally {
    process.umask(oldMask);
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

const dirA = join(work, 'a', DIR);
const dirB = join(work, 'b', DIR);
const product = (dir: string, suffix: string) => join(dir, `ucernvm-prod.${STRONG}.${suffix}`);
const p = (suffix: string) => product(dirA, suffix);
let first: Awaited<ReturnType<typeof build>>;

/** The syslinux.cfg of a raw disk's FAT partition at 1 MiB, read with mtools. */
const syslinuxCfg = (raw: string) => sh('mtype', ['-i', `${raw}@@1M`, '::/isolinux/syslinux.cfg']);
/** The kernel command line of the default (`ucernvm`) entry. */
const defaultAppend = (cfg: string) =>
  /LABEL ucernvm\n\s+KERNEL \S+\n\s+APPEND (.*)/.exec(cfg)?.[1];

beforeAll(async () => {
  mkdirSync(join(work, 'tmp-a'));
  first = await build(join(work, 'a'), 'UTC', 0o022, join(work, 'tmp-a'));
}, 600_000);

describe('ucvm build: derived formats', () => {
  it('writes every selected format with its .sha256 and manifest entry', () => {
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).not.toContain('not implemented yet');
    const m = JSON.parse(readFileSync(join(dirA, 'manifest.json'), 'utf8'));
    for (const [i, suffix] of SUFFIXES.entries()) {
      const name = `ucernvm-prod.${STRONG}.${suffix}`;
      const entry = m.outputs.find((o: { name: string }) => o.name === name);
      expect(entry, name).toMatchObject({ kind: 'image', branch: 'prod', format: FORMATS[i] });
      expect(readFileSync(`${p(suffix)}.sha256`, 'utf8')).toBe(`${entry.sha256}  ${name}\n`);
    }
    expect(Object.keys(m.tools)).toContain('qemu-img');
    const sums = SUFFIXES.map((s) => `ucernvm-prod.${STRONG}.${s}.sha256`);
    expect(sh('sha256sum', ['-c', ...sums], { cwd: dirA })).not.toMatch(/FAILED/);
    // No intermediate raw disk or qemu-img temporary is left in the temporary directory.
    expect(sh('find', [join(work, 'tmp-a'), '-mindepth', '1'])).toBe('');
  });

  it('qcow2, vdi and vmdk pass qemu-img check and have the content of the hdd', () => {
    for (const format of ['qcow2', 'vdi', 'vmdk']) {
      const info = JSON.parse(sh('qemu-img', ['info', '--output=json', '-f', format, p(format)]));
      expect(info['virtual-size']).toBe(readFileSync(p('hdd')).length);
      expect(sh('qemu-img', ['check', '-f', format, p(format)])).toContain('No errors were found');
      expect(sh('qemu-img', ['compare', '-f', 'raw', '-F', format, p('hdd'), p(format)])).toContain(
        'Images are identical',
      );
    }
    const vmdk = JSON.parse(sh('qemu-img', ['info', '--output=json', p('vmdk')]));
    expect(vmdk['format-specific'].data['create-type']).toBe('streamOptimized');
  });

  it('hvm is an hdd whose default entry has the EC2 serial console (from the boot description)', () => {
    expect(defaultAppend(syslinuxCfg(p('hvm')))).toMatch(/ console=ttyS0( |$)/);
    expect(defaultAppend(syslinuxCfg(p('hdd')))).not.toMatch(/console=/);
    expect(sh('sfdisk', ['--dump', p('hvm')])).toMatch(/start=\s*2048, .*type=e, bootable/);
  });

  it('vhd: fixed VHD of the azure raw, footer checksum verifies, qemu-img reads it as vpc', () => {
    const vhd = readFileSync(p('vhd'));
    const footer = readVhdFooter(vhd.subarray(-512));
    expect(footer).toMatchObject({ diskType: 2, checksumValid: true, creatorApplication: 'ucvm' });
    const size = Number(footer.currentSize);
    expect(size % MiB).toBe(0);
    expect(vhd.length).toBe(size + 512);
    // The azure raw, cut out of the fixed VHD with plain byte copying (not qemu-img).
    const azureRaw = join(work, 'azure.raw');
    writeFileSync(azureRaw, vhd.subarray(0, size));
    const cfg = syslinuxCfg(azureRaw);
    expect(defaultAppend(cfg)).toMatch(/ console=ttyS0 earlyprintk=ttyS0( |$)/);
    const opts = `driver=vpc,force_size_calc=current_size,file.filename=${p('vhd')}`;
    const info = JSON.parse(sh('qemu-img', ['info', '--output=json', '--image-opts', opts]));
    expect(info).toMatchObject({ format: 'vpc', 'virtual-size': size });
    expect(
      sh('qemu-img', ['compare', '--image-opts', `driver=raw,file.filename=${azureRaw}`, opts]),
    ).toContain('Images are identical');
  });

  it('gce: a gzip tar holding only disk.raw, an hdd with the GCE console', () => {
    const listing = sh('tar', ['-tzvf', p('tar.gz'), '--utc'])
      .trim()
      .split('\n');
    expect(listing).toHaveLength(1);
    expect(listing[0]).toMatch(/^-rw-r--r-- root\/root +\d+ 2023-11-14 22:13 disk\.raw$/);
    const out = join(work, 'gce');
    mkdirSync(out);
    sh('tar', ['-xzf', p('tar.gz'), '-C', out]);
    const raw = join(out, 'disk.raw');
    expect(defaultAppend(syslinuxCfg(raw))).toMatch(/ console=ttyS0,38400n8( |$)/);
    expect(sh('sfdisk', ['--verify', raw])).toContain('No errors detected');
  });

  it('ova: descriptor, manifest, disks in DSP0243 order; digests, XML and the boot disk check out', () => {
    const base = `ucernvm-prod.${STRONG}`;
    const listing = sh('tar', ['-tvf', p('ova'), '--utc'])
      .trim()
      .split('\n');
    expect(listing.map((l) => l.split(/\s+/).pop())).toEqual([
      `${base}.ovf`,
      `${base}.mf`,
      `${base}-disk1.vmdk`,
      `${base}-disk2.vmdk`,
    ]);
    for (const l of listing) expect(l).toMatch(/^-rw-r--r-- root\/root +\d+ 2023-11-14 22:13 /);
    const out = join(work, 'ova');
    mkdirSync(out);
    sh('tar', ['-xf', p('ova'), '-C', out]);
    const mf = readFileSync(join(out, `${base}.mf`), 'utf8')
      .trim()
      .split('\n');
    expect(mf).toHaveLength(3);
    for (const line of mf) {
      const [, file = '', hex] = /^SHA256\((.+)\)= ([0-9a-f]{64})$/.exec(line) ?? [];
      expect(sh('sha256sum', [join(out, file)]).split(' ')[0], file).toBe(hex);
    }
    sh('xmllint', ['--noout', join(out, `${base}.ovf`)]);
    const vsys = sh('xmllint', [
      '--xpath',
      'string(//*[local-name()="VirtualSystem"]/@*[local-name()="id"])',
      join(out, `${base}.ovf`),
    ]);
    expect(vsys.trim()).toBe('ucernvm-prod');
    const disk1 = join(out, `${base}-disk1.vmdk`);
    expect(sh('qemu-img', ['check', '-f', 'vmdk', disk1])).toContain('No errors were found');
    expect(sh('qemu-img', ['compare', '-f', 'raw', '-F', 'vmdk', p('hdd'), disk1])).toContain(
      'Images are identical',
    );
    const disk2 = join(out, `${base}-disk2.vmdk`);
    const info = JSON.parse(sh('qemu-img', ['info', '--output=json', disk2]));
    expect(info['virtual-size']).toBe(20 * 1024 * MiB);
  });

  it('box: a gzip tar with box.ovf, its disks, metadata.json and a Vagrantfile', () => {
    const listing = sh('tar', ['-tzf', p('box')])
      .trim()
      .split('\n');
    expect(listing).toEqual([
      'Vagrantfile',
      'box-disk001.vmdk',
      'box-disk002.vmdk',
      'box.ovf',
      'metadata.json',
    ]);
    const out = join(work, 'box');
    mkdirSync(out);
    sh('tar', ['-xzf', p('box'), '-C', out]);
    expect(readFileSync(join(out, 'metadata.json'), 'utf8')).toBe('{"provider":"virtualbox"}\n');
    expect(readFileSync(join(out, 'Vagrantfile'), 'utf8')).toMatch(
      /config\.vm\.base_mac = "080027[0-9a-f]{6}"/,
    );
    sh('xmllint', ['--noout', join(out, 'box.ovf')]);
    expect(
      sh('qemu-img', [
        'compare',
        '-f',
        'raw',
        '-F',
        'vmdk',
        p('hdd'),
        join(out, 'box-disk001.vmdk'),
      ]),
    ).toContain('Images are identical');
  });

  it('a second build elsewhere (other TZ, umask, TMPDIR) is byte-identical', async () => {
    mkdirSync(join(work, 'tmp-b'));
    const second = await build(join(work, 'b'), 'Pacific/Kiritimati', 0o077, join(work, 'tmp-b'));
    expect(second.code, second.stderr).toBe(0);
    for (const suffix of SUFFIXES) {
      expect(readFileSync(product(dirB, suffix)).equals(readFileSync(p(suffix))), suffix).toBe(
        true,
      );
    }
    expect(readFileSync(join(dirB, 'manifest.json'), 'utf8')).toBe(
      readFileSync(join(dirA, 'manifest.json'), 'utf8'),
    );
  }, 600_000);
});
