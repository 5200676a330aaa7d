import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ImageInspection } from '@ucvm/images';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImageReport } from '../src/inspect/report.js';
import { buildTestEnv, runCli, testBuildArgs } from './run-cli.js';

// `ucvm inspect` on every product of one real build (build.md §1, §8), each answer checked
// against a reader that is not ours: sfdisk (partition tables), mdir/mtype (FAT), xorriso
// (ISO tree, El Torito), qemu-img (containers), GNU tar (archives), openssl (certificates).

const EPOCH = '1700000000';
const STRONG = '2026.11-1.cernvm.x86_64.cvmfs-standin';
const work = mkdtempSync(join(tmpdir(), 'ucvm-inspect-images-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const out = join(work, 'out', `ucernvm-images.${STRONG}`);
const p = (suffix: string) => join(out, `ucernvm-prod.${STRONG}.${suffix}`);
const FORMATS = ['iso', 'hdd', 'fat', 'hvm', 'gce', 'vhd', 'qcow2', 'vdi', 'vmdk', 'ova', 'box'];
const MiB = 1024 * 1024;

function sh(cmd: string, args: string[]): string {
  if (spawnSync('sh', ['-c', `command -v ${cmd}`]).status !== 0) {
    const pkg = { 'qemu-img': 'qemu-utils', mdir: 'mtools', mtype: 'mtools', sfdisk: 'fdisk' }[cmd];
    throw new Error(`host tool ${cmd} missing: apt-get install -y ${pkg ?? cmd}`);
  }
  return execFileSync(cmd, args, {
    encoding: 'utf8',
    env: { ...process.env, LC_ALL: 'C', TZ: 'UTC', MTOOLS_SKIP_CHECK: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 120_000,
    maxBuffer: 64 << 20,
  });
}

const inspect = (args: string[]) => runCli(['inspect', ...args], work, buildTestEnv(EPOCH));

async function inspectJson(file: string): Promise<ImageReport> {
  const r = await inspect(['--json', file]);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as ImageReport;
}

/** sfdisk --json's partitions in our terms. */
function sfdisk(file: string) {
  const t = JSON.parse(sh('sfdisk', ['--json', file])).partitiontable as {
    label: string;
    id: string;
    partitions: { start: number; size: number; type: string; bootable?: boolean }[];
  };
  return {
    scheme: t.label === 'dos' ? 'mbr' : t.label,
    diskId: t.id.replace(/^0x/, ''),
    partitions: t.partitions.map((x) => [x.start, x.size, x.type, x.bootable === true]),
  };
}
const ours = (i: ImageInspection) => ({
  scheme: i.partitionTable?.scheme,
  diskId: i.partitionTable?.diskId,
  partitions: i.partitionTable?.partitions.map((x) => [
    x.start,
    x.sectors,
    x.type.replace(/^0/, ''),
    x.bootable,
  ]),
});

/** mdir's recursive listing (hidden files too) as tree paths. */
const mdir = (spec: string) =>
  sh('mdir', ['-/', '-b', '-a', '-i', spec, '::/'])
    .split('\n')
    .filter(Boolean)
    .map((l) => l.replace(/^::\//, '').replace(/\/$/, ''))
    .sort();
const paths = (i: ImageInspection, where: string) =>
  i.fileSystems
    .find((f) => f.where === where)!
    .tree.map((e) => e.path)
    .sort();
const cfgText = (i: ImageInspection, path: string) =>
  i.bootConfigs.find((c) => c.path === path)?.text;

let built: Awaited<ReturnType<typeof runCli>>;
beforeAll(async () => {
  built = await runCli(
    testBuildArgs(join(work, 'out'), { formats: FORMATS }),
    work,
    buildTestEnv(EPOCH),
  );
}, 900_000);

describe('ucvm inspect on built products', () => {
  it('the build succeeded', () => {
    expect(built.code, built.stderr).toBe(0);
  });

  it('hdd: partitions as sfdisk, FAT tree as mdir, boot config and /version as mtype read them', async () => {
    const r = await inspectJson(p('hdd'));
    const i = r.inspection;
    expect(i.kind).toBe('disk');
    expect(r.sha256).toBe(readFileSync(`${p('hdd')}.sha256`, 'utf8').split(' ')[0]);
    expect(r.trailers).toBeNull();
    expect(ours(i)).toEqual(sfdisk(p('hdd')));
    const fat = `${p('hdd')}@@1M`;
    expect(paths(i, 'partition 1')).toEqual(mdir(fat));
    expect(cfgText(i, 'isolinux/syslinux.cfg')).toBe(
      sh('mtype', ['-i', fat, '::/isolinux/syslinux.cfg']),
    );
    expect(cfgText(i, 'boot/grub/menu.lst')).toBe(
      sh('mtype', ['-i', fat, '::/boot/grub/menu.lst']),
    );
    expect(i.version).toBe(sh('mtype', ['-i', fat, '::/version']).trim());
    expect(i.version).toContain(STRONG);
    const entry = i.bootConfigs.find((c) => c.path === 'isolinux/syslinux.cfg')!.entries[0]!;
    expect(entry.options).toContainEqual(['cvmfs_repos', 'cernvm-prod.cern.ch']);
    expect(entry.initrd).toBe('/cernvm/initrd.img');
  });

  it('hdd, human output: short sections, and every entry with --tree', async () => {
    const r = await inspect(['--tree', p('hdd')]);
    expect(r.code, r.stderr).toBe(0);
    for (const s of [
      'kind: raw disk image',
      `sha256: ${readFileSync(`${p('hdd')}.sha256`, 'utf8').split(' ')[0]}`,
      'partitions (mbr, disk id ',
      'file systems:\n  partition 1: FAT16 "UCERNVM"',
      'boot configuration:\n  isolinux/isolinux.cfg (partition 1, syslinux, default ucernvm',
      'trailers:\n  none (unsigned)',
      'tree of partition 1:',
    ])
      expect(r.stdout).toContain(s);
    expect(r.stdout).toMatch(/^ {2}1 +\* +2048 +47104 .* 0e FAT16 LBA$/m);
    expect(r.stdout).toMatch(/^ {2}file +59392 {2}isolinux\/ldlinux\.sys$/m);
  });

  it('hvm: the EC2 serial console in the kernel command line, as in the file mtype reads', async () => {
    const i = (await inspectJson(p('hvm'))).inspection;
    const text = sh('mtype', ['-i', `${p('hvm')}@@1M`, '::/isolinux/syslinux.cfg']);
    expect(cfgText(i, 'isolinux/syslinux.cfg')).toBe(text);
    const def = i.bootConfigs.find((c) => c.path === 'isolinux/syslinux.cfg')!.entries[0]!;
    expect(def.options).toContainEqual(['console', 'ttyS0']);
    expect(text).toContain(`APPEND initrd=/cernvm/initrd.img ${def.cmdline}\n`);
  });

  it('iso: tree and El Torito as xorriso reports them, isohybrid table as sfdisk reads it', async () => {
    const i = (await inspectJson(p('iso'))).inspection;
    expect(i.kind).toBe('iso');
    const found = sh('xorriso', ['-indev', p('iso'), '-find', '/'])
      .split('\n')
      .map((l) => /^'\/(.+)'$/.exec(l)?.[1])
      .filter((x): x is string => x !== undefined)
      .sort();
    expect(paths(i, 'ISO 9660 volume')).toEqual(found);
    const report = sh('xorriso', ['-indev', p('iso'), '-report_el_torito', 'plain']);
    const imgs = [
      ...report.matchAll(
        /El Torito boot img :\s+\d\s+(\w+)\s+(\w)\s+(\w+)\s+\S+\s+\S+\s+(\d+)\s+(\d+)/g,
      ),
    ].map((m) => [m[1]!.toLowerCase(), m[2] === 'y', m[3], Number(m[4]), Number(m[5])]);
    expect(
      i.iso!.elTorito!.entries.map((e) => [e.platform, e.bootable, e.emulation, e.sectors, e.lba]),
    ).toEqual(imgs);
    const imgPaths = [...report.matchAll(/El Torito img path :\s+\d\s+\/(\S+)/g)].map((m) => m[1]);
    expect(i.iso!.elTorito!.entries.map((e) => e.path)).toEqual(imgPaths);
    const pvd = sh('xorriso', ['-indev', p('iso'), '-pvd_info']);
    expect(pvd).toContain(`Volume Id    : ${i.iso!.volumeId}\n`);
    expect(pvd).toContain(`Modif. Time  : ${i.iso!.modificationDate}\n`);
    expect(i.iso!.hybridMbr).toBe(true);
    expect(ours(i)).toEqual(sfdisk(p('iso')));
    // The UEFI image is a FAT inside the ISO: its tree as mdir lists the extracted file.
    const efi = i.iso!.elTorito!.entries.find((e) => e.platform === 'uefi')!;
    const efiImg = join(work, 'efiboot.img');
    sh('xorriso', ['-osirrox', 'on', '-indev', p('iso'), '-extract', `/${efi.path}`, efiImg]);
    expect(paths(i, `El Torito UEFI image ${efi.path}`)).toEqual(mdir(efiImg));
  });

  it('fat: geometry and tree as mdir reads the bare file system, menu.lst for PV-GRUB', async () => {
    const i = (await inspectJson(p('fat'))).inspection;
    expect(i.kind).toBe('fat');
    expect(i.partitionTable).toBeUndefined();
    expect(paths(i, 'whole file')).toEqual(mdir(p('fat')));
    const head = sh('mdir', ['-i', p('fat'), '::/']);
    expect(head).toContain(`Volume Serial Number is ${i.fileSystems[0]!.serial}`);
    expect(head).toContain(`Volume in drive : is ${i.fileSystems[0]!.label}`);
    expect(cfgText(i, 'boot/grub/menu.lst')).toBe(
      sh('mtype', ['-i', p('fat'), '::/boot/grub/menu.lst']),
    );
  });

  it('qcow2, vdi, vmdk: virtual size as qemu-img info says, content as the hdd', async () => {
    const hdd = (await inspectJson(p('hdd'))).inspection;
    for (const format of ['qcow2', 'vdi', 'vmdk']) {
      const i = (await inspectJson(p(format))).inspection;
      const info = JSON.parse(sh('qemu-img', ['info', '--output=json', '-f', format, p(format)]));
      expect(i.kind).toBe(format);
      expect(i.container!.virtualSize).toBe(info['virtual-size']);
      expect(ours(i)).toEqual(sfdisk(p('hdd')));
      expect(i.fileSystems[0]!.tree).toEqual(hdd.fileSystems[0]!.tree);
      expect(i.version).toBe(hdd.version);
    }
  });

  it('vhd: fixed, checksum valid, the Azure console in the command line', async () => {
    const i = (await inspectJson(p('vhd'))).inspection;
    expect(i.container).toMatchObject({
      format: 'vhd',
      fields: { type: 'fixed', checksumValid: true },
    });
    const raw = join(work, 'azure.raw');
    const vhd = readFileSync(p('vhd'));
    writeFileSync(raw, vhd.subarray(0, vhd.length - 512));
    expect(ours(i)).toEqual(sfdisk(raw));
    expect(cfgText(i, 'isolinux/syslinux.cfg')).toBe(
      sh('mtype', ['-i', `${raw}@@1M`, '::/isolinux/syslinux.cfg']),
    );
  });

  it('gce: members as GNU tar lists them, the disk.raw inside as sfdisk and mdir read it', async () => {
    const r = await inspectJson(p('tar.gz'));
    expect(r.inspection.kind).toBe('gce');
    expect(r.inspection.archive!.members.map((m) => m.name)).toEqual(
      sh('tar', ['-tzf', p('tar.gz')])
        .trim()
        .split('\n'),
    );
    const dir = join(work, 'gce');
    mkdirSync(dir);
    sh('tar', ['-xzf', p('tar.gz'), '-C', dir]);
    const raw = join(dir, 'disk.raw');
    const inner = r.inspection.inner[0]!;
    expect(inner.name).toBe('disk.raw');
    expect(ours(inner.inspection)).toEqual(sfdisk(raw));
    expect(paths(inner.inspection, 'partition 1')).toEqual(mdir(`${raw}@@1M`));
    expect(r.inspection.archive!.members[0]!.sha256).toBe(sh('sha256sum', [raw]).split(' ')[0]);
  });

  it('update pack: members as tar -tv lists them, apply fields and digests, the initrd version', async () => {
    const pack = join(out, `ucernvm.${STRONG}.tar`);
    const r = await inspectJson(pack);
    const i = r.inspection;
    expect(i.kind).toBe('update-pack');
    const listing = sh('tar', ['-tvf', pack])
      .trim()
      .split('\n')
      .map((l) => {
        const f = l.split(/\s+/);
        return [f[5], Number(f[2])];
      });
    expect(i.archive!.members.map((m) => [m.name, m.size])).toEqual(listing);
    const apply = sh('tar', ['-xOf', pack, 'apply']);
    for (const [k, v] of Object.entries(i.archive!.apply!.fields))
      expect(apply).toContain(`${k}=${v}\n`);
    expect(i.archive!.apply!.checks.map((c) => c.ok)).toEqual([true, true]);
    expect(i.version).toBe(STRONG);
    expect(r.initrd).toMatchObject({ version: STRONG, compression: 'gzip' });
    expect(r.initrd!.components).toContain('cvmfs');
    const text = (await inspect([pack])).stdout;
    expect(text).toContain('kind: update pack');
    expect(text).toMatch(/ok: sha256 of vmlinuz-/);
  });

  it('ova and box: members as tar lists them, the boot disk inspected, the scratch disk sized', async () => {
    for (const [suffix, kind, list] of [
      ['ova', 'ova', '-tf'],
      ['box', 'box', '-tzf'],
    ] as const) {
      const i = (await inspectJson(p(suffix))).inspection;
      expect(i.kind).toBe(kind);
      expect(i.archive!.members.map((m) => m.name)).toEqual(
        sh('tar', [list, p(suffix)])
          .trim()
          .split('\n'),
      );
      expect(i.inner).toHaveLength(1);
      expect(i.inner[0]!.inspection.kind).toBe('vmdk');
      expect(ours(i.inner[0]!.inspection)).toEqual(sfdisk(p('hdd')));
      const disks = i.archive!.members.filter((m) => m.disk);
      expect(disks.map((m) => m.disk!.virtualSize)).toEqual([24 * MiB, 20 * 1024 * MiB]);
      if (kind === 'ova') expect(i.archive!.manifest!.every((m) => m.ok)).toBe(true);
    }
  });

  it('initrd: unchanged, the initrd report', async () => {
    const r = await inspect([join(out, `initrd.${STRONG}`)]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`initrd: ${STRONG}`);
  });

  it('a signed hdd: trailer metadata and certificate as openssl reads it; the disk still read', async () => {
    const key = join(work, 'key.pem');
    const cert = join(work, 'cert.pem');
    sh('openssl', [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '30',
      '-subj',
      '/O=ucvm test/CN=inspect signer',
    ]);
    const pem = readFileSync(cert, 'utf8');
    // The blocks written by hand (build.md §7), not by @ucvm/signing.
    const blockOf = (v: object) => {
      const b = Buffer.alloc(32768);
      b.write(`${JSON.stringify(v, null, 2)}\n`);
      return b;
    };
    const meta = { 'ucernvm-version': STRONG, 'os-repo': 'cernvm-prod.cern.ch', snapshot: 'HEAD' };
    const signed = join(work, 'signed.hdd');
    const hdd = readFileSync(p('hdd'));
    writeFileSync(
      signed,
      Buffer.concat([
        hdd,
        blockOf(meta),
        blockOf({ certificate: pem, signature: 'AAAA', 'howto-verify': 'openssl …' }),
      ]),
    );
    const r = await inspectJson(signed);
    expect(r.trailers).toMatchObject({ state: 'signed', imageLength: hdd.length, metadata: meta });
    expect(r.trailers!.note).toContain('not verified');
    const subject = sh('openssl', [
      'x509',
      '-in',
      cert,
      '-noout',
      '-subject',
      '-nameopt',
      'RFC2253',
    ]);
    expect(subject).toContain('CN=inspect signer');
    expect(r.trailers!.certificate!.subject).toMatch(/O=ucvm test.*CN=inspect signer/);
    const end = sh('openssl', ['x509', '-in', cert, '-noout', '-enddate']).trim().slice(9);
    expect(r.trailers!.certificate!.validTo).toBe(new Date(end).toISOString());
    const fp = sh('openssl', ['x509', '-in', cert, '-noout', '-fingerprint', '-sha256']);
    expect(fp.trim().split('=')[1]).toBe(r.trailers!.certificate!.fingerprint256);
    expect(ours(r.inspection)).toEqual(sfdisk(p('hdd')));
    const text = (await inspect([signed])).stdout;
    expect(text).toContain('trailers:\n  signed (not verified — use ucvm verify)');
    expect(text).toContain('certificate subject: ');
  });

  it('a cut image fails with exit 1 naming what is missing', async () => {
    const hdd = readFileSync(p('hdd'));
    writeFileSync(join(work, 'cut.hdd'), hdd.subarray(0, 10 * MiB));
    const r = await inspect(['cut.hdd']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /\[INSPECT_TRUNCATED\]: partition 1 ends at byte \d+ but the disk is 10485760 bytes/,
    );
    const iso = readFileSync(p('iso'));
    writeFileSync(join(work, 'cut.iso'), iso.subarray(0, 4 * MiB));
    const ri = await inspect(['cut.iso']);
    expect(ri.code).toBe(1);
    expect(ri.stderr).toContain('[INSPECT_TRUNCATED]');
    const pack = readFileSync(join(out, `ucernvm.${STRONG}.tar`));
    writeFileSync(join(work, 'cut.tar'), pack.subarray(0, 1 * MiB));
    const rt = await inspect(['cut.tar']);
    expect(rt.code).toBe(1);
    expect(rt.stderr).toContain('[TAR_TRUNCATED]');
  });
});
