import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { EPOCH, imageTree } from '../../test/fixtures.js';
import { run, scratch } from '../../test/host.js';
import { gceTarGz } from '../derived/gce.js';
import { writeFixedVhd } from '../derived/vhd.js';
import { writeFat } from '../fat/writer.js';
import { writeIso } from '../iso9660/writer.js';
import { concatChunks } from '../output.js';
import { GPT_TYPE, writeGpt } from '../partition/gpt.js';
import { writeMbr } from '../partition/mbr.js';
import { writeUstar } from '../tar/ustar.js';
import type { TreeEntry } from '../tree.js';
import { detectFormat } from './detect.js';
import { gzipHoldsTar, inspectImage } from './inspect.js';
import { qemuImgToRaw } from './qemu-raw.js';
import type { ImageInspection } from './types.js';

// inspectImage on images made by our writers, each answer checked against a reader that is
// not ours: sfdisk (partition tables), mdir (FAT trees), xorriso (ISO tree, El Torito),
// qemu-img (container content), GNU tar (archives).

const dir = scratch();
const MiB = 1024 * 1024;
const SYSLINUX =
  'SERIAL 0 115200\nDEFAULT ucernvm\nLABEL ucernvm\n  KERNEL /cernvm/vmlinuz.xz\n  APPEND initrd=/cernvm/initrd.img root=first cvmfs_repos=cernvm-prod.cern.ch\n';

/** A bzImage-shaped kernel: "HdrS" at 0x202, protocol 2.15, version string via 0x20E. */
function fakeKernel(version: string): Uint8Array {
  const k = Buffer.alloc(0x1000);
  k.write('HdrS', 0x202, 'latin1');
  k.writeUInt16LE(0x020f, 0x206);
  k.writeUInt16LE(0x400 - 0x200, 0x20e);
  k.write(`${version}\0`, 0x400, 'latin1');
  return k;
}

const tree: TreeEntry[] = imageTree().map((e) =>
  e.path.endsWith('linux.cfg')
    ? { ...e, data: Buffer.from(SYSLINUX) }
    : e.path === 'cernvm/vmlinuz.xz'
      ? { ...e, data: fakeKernel('6.1.0-test (x@y) #1 SMP') }
      : e,
);

const efiImage = writeFat(
  [
    { path: 'EFI/BOOT/BOOTX64.EFI', type: 'file', data: Buffer.alloc(3000, 1) },
    {
      path: 'EFI/BOOT/grub.cfg',
      type: 'file',
      data: Buffer.from('linux /cernvm/vmlinuz.xz a=b\n'),
    },
  ],
  { sizeBytes: 1 * MiB, sourceDateEpoch: EPOCH, label: 'UCVM_EFI' },
);

/** An hdd like build.md §1: MBR, one active FAT16 partition at 1 MiB. */
function hdd(): Uint8Array {
  const fs = writeFat(tree, { sizeBytes: 23 * MiB, sourceDateEpoch: EPOCH, hiddenSectors: 2048 });
  const mbr = writeMbr({
    diskSignature: 0x12345678,
    partitions: [{ start: 2048, sectors: fs.length / 512, type: 0x0e, bootable: true }],
  });
  const disk = new Uint8Array(MiB + fs.length);
  disk.set(mbr, 0);
  disk.set(fs, MiB);
  return disk;
}

const file = (name: string, bytes: Uint8Array) => {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
};

/** Our partition table in sfdisk --json terms. */
const asSfdisk = (i: ImageInspection) =>
  i.partitionTable?.partitions.map((p) => ({
    start: p.start,
    size: p.sectors,
    type: p.type.replace(/^0/, ''),
    bootable: p.bootable,
  }));

function sfdisk(path: string) {
  const t = JSON.parse(run('sfdisk', ['--json', path])).partitiontable as {
    id: string;
    partitions: { start: number; size: number; type: string; bootable?: boolean }[];
  };
  return {
    id: t.id,
    partitions: t.partitions.map((p) => ({ ...p, bootable: p.bootable === true, node: undefined })),
  };
}

/** mdir's recursive bare listing (-/ -b -a) as our tree's paths. */
const mdirPaths = (spec: string) =>
  run('mdir', ['-/', '-b', '-a', '-i', spec, '::/'])
    .split('\n')
    .filter(Boolean)
    .map((l) => l.replace(/^::\//, '').replace(/\/$/, ''))
    .sort();

const treePaths = (i: ImageInspection, n = 0) => i.fileSystems[n]!.tree.map((e) => e.path).sort();

describe('inspectImage', () => {
  const disk = hdd();
  const diskPath = file('disk.hdd', disk);

  it('raw disk: partition table as sfdisk reads it, FAT tree as mdir lists it, boot config, versions', async () => {
    expect(detectFormat(disk)).toBe('disk');
    const i = await inspectImage(disk);
    expect(i.kind).toBe('disk');
    const s = sfdisk(diskPath);
    expect(`0x${i.partitionTable!.diskId}`).toBe(s.id);
    expect(asSfdisk(i)).toEqual(s.partitions.map(({ node: _n, ...p }) => p));
    expect(i.fileSystems).toHaveLength(1);
    expect(i.fileSystems[0]).toMatchObject({ where: 'partition 1', type: 'FAT16', offset: MiB });
    expect(treePaths(i)).toEqual(mdirPaths(`${diskPath}@@1M`));
    expect(i.version).toBe('cvm-prod.cern.ch at HEAD, uCernVM 2026.11-1.cernvm.x86_64');
    expect(i.kernelVersion).toBe('6.1.0-test (x@y) #1 SMP');
    const cfg = i.bootConfigs.find((c) => c.path === 'isolinux/syslinux.cfg')!;
    expect(cfg.entries[0]).toMatchObject({
      label: 'ucernvm',
      initrd: '/cernvm/initrd.img',
      cmdline: 'root=first cvmfs_repos=cernvm-prod.cern.ch',
    });
    // The configuration text is the file's, byte for byte (mtype is the other reader).
    expect(cfg.text).toBe(run('mtype', ['-i', `${diskPath}@@1M`, '::/isolinux/syslinux.cfg']));
  });

  it('GPT disk: the table as sfdisk reads it, the FAT in the ESP as mdir lists it', async () => {
    const sectors = 40 * 2048;
    const fs = writeFat(tree, { sizeBytes: 16 * MiB, sourceDateEpoch: EPOCH, hiddenSectors: 2048 });
    const g = writeGpt({
      diskSectors: sectors,
      seed: 'inspect-gpt',
      partitions: [
        { type: GPT_TYPE.efiSystem, start: 2048, sectors: fs.length / 512, name: 'EFI system' },
        { type: GPT_TYPE.linuxFilesystem, start: 36 * 2048, sectors: 2048, name: 'scratch' },
      ],
    });
    const img = new Uint8Array(sectors * 512);
    img.set(g.primary, 0);
    img.set(fs, MiB);
    img.set(g.backup, img.length - g.backup.length);
    const p = file('gpt.img', img);
    const i = await inspectImage(img);
    const t = JSON.parse(run('sfdisk', ['--json', p])).partitiontable as {
      label: string;
      id: string;
      partitions: { start: number; size: number; type: string; name: string }[];
    };
    expect(i.partitionTable!.scheme).toBe(t.label);
    expect(i.partitionTable!.diskId).toBe(t.id);
    expect(i.partitionTable!.partitions.map((x) => [x.start, x.sectors, x.type, x.name])).toEqual(
      t.partitions.map((x) => [x.start, x.size, x.type, x.name]),
    );
    expect(i.partitionTable!.partitions[0]!.typeName).toBe('EFI System');
    expect(treePaths(i)).toEqual(mdirPaths(`${p}@@1M`));
  });

  it('bare FAT: geometry and the tree mdir lists', async () => {
    const fat = writeFat(tree, { sizeBytes: 8 * MiB, sourceDateEpoch: EPOCH, label: 'UCERNVM' });
    const p = file('img.fat', fat);
    const i = await inspectImage(fat);
    expect(i.kind).toBe('fat');
    expect(i.partitionTable).toBeUndefined();
    expect(i.fileSystems[0]).toMatchObject({
      where: 'whole file',
      type: 'FAT16',
      label: 'UCERNVM',
    });
    const serial = /Volume Serial Number is (\S+)/.exec(run('mdir', ['-i', p, '::/']))![1];
    expect(i.fileSystems[0]!.serial).toBe(serial);
    expect(treePaths(i)).toEqual(mdirPaths(p));
  });

  it('ISO: tree and El Torito entries as xorriso reports them, the UEFI image inside', async () => {
    const iso = writeIso([...tree, { path: 'boot/efiboot.img', type: 'file', data: efiImage }], {
      sourceDateEpoch: EPOCH,
      volumeId: 'UCERNVM',
      bios: { bootFile: 'isolinux/isolinux.bin' },
      efi: { image: 'boot/efiboot.img' },
    });
    const p = file('img.iso', iso);
    const i = await inspectImage(iso);
    expect(i.kind).toBe('iso');
    expect(i.iso).toMatchObject({ volumeId: 'UCERNVM', hybridMbr: false });
    const found = run('xorriso', ['-indev', p, '-find', '/'])
      .split('\n')
      .map((l) => /^'\/(.+)'$/.exec(l)?.[1])
      .filter((x): x is string => x !== undefined)
      .sort();
    expect(treePaths(i)).toEqual(found);
    const report = run('xorriso', ['-indev', p, '-report_el_torito', 'plain']);
    const imgs = [
      ...report.matchAll(
        /El Torito boot img :\s+(\d)\s+(\w+)\s+(\w)\s+(\w+)\s+\S+\s+\S+\s+(\d+)\s+(\d+)/g,
      ),
    ];
    expect(
      i.iso!.elTorito!.entries.map((e) => [
        e.platform.toUpperCase(),
        e.emulation,
        e.sectors,
        e.lba,
      ]),
    ).toEqual(imgs.map((m) => [m[2], m[4], Number(m[5]), Number(m[6])]));
    const paths = [...report.matchAll(/El Torito img path :\s+\d\s+\/(\S+)/g)].map((m) => m[1]);
    expect(i.iso!.elTorito!.entries.map((e) => e.path)).toEqual(paths);
    const efi = i.fileSystems.find((f) => f.where.includes('UEFI'))!;
    expect(efi.label).toBe('UCVM_EFI');
    expect(efi.tree.map((e) => e.path)).toContain('EFI/BOOT/grub.cfg');
    expect(i.bootConfigs.map((c) => [c.where, c.path])).toContainEqual([
      efi.where,
      'EFI/BOOT/grub.cfg',
    ]);
  });

  it('fixed VHD: footer fields, and the disk inside as for the raw disk', async () => {
    const vhd = concatChunks(writeFixedVhd(disk, { sourceDateEpoch: EPOCH }));
    const i = await inspectImage(vhd);
    expect(i.kind).toBe('vhd');
    expect(i.container).toMatchObject({ format: 'vhd', virtualSize: 24 * MiB });
    expect(i.container!.fields).toMatchObject({ type: 'fixed', checksumValid: true });
    expect(asSfdisk(i)).toEqual(sfdisk(diskPath).partitions.map(({ node: _n, ...p }) => p));
    expect(i.version).toContain('uCernVM');
  });

  it('qcow2 (via qemu-img): virtual size as qemu-img info says, content as the raw disk', async () => {
    const q = join(dir, 'disk.qcow2');
    run('qemu-img', ['convert', '-f', 'raw', '-O', 'qcow2', diskPath, q]);
    const i = await inspectImage(readFileSync(q));
    const info = JSON.parse(run('qemu-img', ['info', '--output=json', q])) as {
      'virtual-size': number;
    };
    expect(i.container).toMatchObject({ format: 'qcow2', virtualSize: info['virtual-size'] });
    expect(asSfdisk(i)).toEqual(sfdisk(diskPath).partitions.map(({ node: _n, ...p }) => p));
    expect(treePaths(i)).toEqual(mdirPaths(`${diskPath}@@1M`));
  });

  it('dynamic VHD (via qemu-img vpc): footer type dynamic, content as the raw disk', async () => {
    const v = join(dir, 'dynamic.vhd');
    run('qemu-img', [
      'convert',
      '-f',
      'raw',
      '-O',
      'vpc',
      '-o',
      'subformat=dynamic,force_size=on',
      diskPath,
      v,
    ]);
    const i = await inspectImage(readFileSync(v));
    expect(i.kind).toBe('vhd');
    expect(i.container!.fields.type).toBe('dynamic');
    expect(asSfdisk(i)).toEqual(sfdisk(diskPath).partitions.map(({ node: _n, ...p }) => p));
    expect(treePaths(i)).toEqual(mdirPaths(`${diskPath}@@1M`));
  });

  it('GCE tar.gz: the members GNU tar lists, the disk.raw inside inspected', async () => {
    const gz = gceTarGz(disk, { sourceDateEpoch: EPOCH });
    const p = file('disk.tar.gz', gz);
    const i = await inspectImage(gz);
    expect(i.kind).toBe('gce');
    expect(gzipHoldsTar(gz)).toBe(true);
    expect(gzipHoldsTar(gzipSync(Buffer.from('070701 a gzip cpio')))).toBe(false);
    expect(i.archive!.members.map((m) => m.name)).toEqual(
      run('tar', ['-tzf', p]).trim().split('\n'),
    );
    expect(i.inner[0]!.name).toBe('disk.raw');
    expect(i.inner[0]!.inspection.version).toContain('uCernVM');
  });

  it('update pack: members, apply fields and digests checked, kernel version', async () => {
    const kernel = fakeKernel('6.1.0-test (x@y) #1 SMP');
    const initrd = Buffer.from('initrd bytes');
    const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
    const apply = (k: string) =>
      Buffer.from(
        `version=2026.11-1\nkernel=vmlinuz-6.1.xz\ninitrd=initrd.2026.11-1\nkernel_sha256=${k}\ninitrd_sha256=${sha(initrd)}\n`,
      );
    const pack = (k: string) =>
      concatChunks(
        writeUstar(
          [
            { name: 'apply', type: 'file', data: apply(k) },
            { name: 'initrd.2026.11-1', type: 'file', data: initrd },
            { name: 'vmlinuz-6.1.xz', type: 'file', data: kernel },
          ],
          { sourceDateEpoch: EPOCH },
        ),
      );
    const good = await inspectImage(pack(sha(kernel)));
    expect(good.kind).toBe('update-pack');
    expect(good.version).toBe('2026.11-1');
    expect(good.kernelVersion).toBe('6.1.0-test (x@y) #1 SMP');
    expect(good.archive!.apply!.fields.version).toBe('2026.11-1');
    expect(good.archive!.apply!.checks.map((c) => c.ok)).toEqual([true, true]);
    expect(good.archive!.members.find((m) => m.name === 'vmlinuz-6.1.xz')!.sha256).toBe(
      sha(kernel),
    );
    const bad = await inspectImage(pack('0'.repeat(64)));
    expect(bad.archive!.apply!.checks.map((c) => c.ok)).toEqual([false, true]);
  });

  it('OVA: the OVF boot disk is inspected, the scratch disk only sized', async () => {
    const boot = join(dir, 'boot.vmdk');
    const scratchDisk = join(dir, 'scratch.vmdk');
    run('qemu-img', [
      'convert',
      '-f',
      'raw',
      '-O',
      'vmdk',
      '-o',
      'subformat=streamOptimized',
      diskPath,
      boot,
    ]);
    run('qemu-img', [
      'create',
      '-q',
      '-f',
      'vmdk',
      '-o',
      'subformat=streamOptimized',
      scratchDisk,
      '20G',
    ]);
    const ovf = `<?xml version="1.0"?>
<Envelope xmlns:ovf="http://schemas.dmtf.org/ovf/envelope/1">
  <References>
    <File ovf:id="file1" ovf:href="ucernvm-disk1.vmdk"/>
    <File ovf:id="file2" ovf:href="scratch-disk2.vmdk"/>
  </References>
  <DiskSection>
    <Disk ovf:capacity="25165824" ovf:diskId="vmdisk1" ovf:fileRef="file1"/>
    <Disk ovf:capacity="20" ovf:capacityAllocationUnits="byte * 2^30" ovf:diskId="vmdisk2" ovf:fileRef="file2"/>
  </DiskSection>
</Envelope>
`;
    const ova = concatChunks(
      writeUstar(
        [
          { name: 'x.ovf', type: 'file', data: Buffer.from(ovf) },
          {
            name: 'x.mf',
            type: 'file',
            data: Buffer.from(
              `SHA256(x.ovf)= ${createHash('sha256').update(ovf).digest('hex')}\nSHA1(scratch-disk2.vmdk)= ${'0'.repeat(40)}\n`,
            ),
          },
          { name: 'ucernvm-disk1.vmdk', type: 'file', data: readFileSync(boot) },
          { name: 'scratch-disk2.vmdk', type: 'file', data: readFileSync(scratchDisk) },
        ],
        { sourceDateEpoch: EPOCH },
      ),
    );
    const i = await inspectImage(ova);
    expect(i.kind).toBe('ova');
    expect(i.archive!.ovfDisks).toEqual([
      { fileRef: 'file1', href: 'ucernvm-disk1.vmdk', capacity: '25165824' },
      { fileRef: 'file2', href: 'scratch-disk2.vmdk', capacity: '20 byte * 2^30' },
    ]);
    expect(i.archive!.manifest!.map((m) => [m.member, m.algorithm, m.ok])).toEqual([
      ['x.ovf', 'SHA256', true],
      ['scratch-disk2.vmdk', 'SHA1', false],
    ]);
    const scratchMember = i.archive!.members.find((m) => m.name === 'scratch-disk2.vmdk')!;
    expect(scratchMember.disk).toEqual({ format: 'vmdk', virtualSize: 20 * 1024 * MiB });
    expect(i.inner.map((x) => x.name)).toEqual(['ucernvm-disk1.vmdk']);
    expect(i.inner[0]!.inspection.kind).toBe('vmdk');
    expect(asSfdisk(i.inner[0]!.inspection)).toEqual(
      sfdisk(diskPath).partitions.map(({ node: _n, ...p }) => p),
    );
  });

  it('refuses an unknown file (exit 2) and a cut one (exit 1)', async () => {
    await expect(inspectImage(Buffer.from('hello\n'))).rejects.toMatchObject({
      code: 'INSPECT_UNKNOWN_FORMAT',
      exitCode: 2,
    });
    await expect(inspectImage(disk.subarray(0, 5 * MiB))).rejects.toMatchObject({
      code: 'INSPECT_TRUNCATED',
      exitCode: 1,
    });
    const iso = writeIso(tree, { sourceDateEpoch: EPOCH });
    await expect(inspectImage(iso.subarray(0, iso.length - 4096))).rejects.toMatchObject({
      code: 'INSPECT_TRUNCATED',
    });
    const gz = gceTarGz(disk, { sourceDateEpoch: EPOCH });
    await expect(inspectImage(gz.subarray(0, gz.length >> 1))).rejects.toMatchObject({
      code: 'INSPECT_TRUNCATED',
    });
    for (const [format, code, opts] of [
      ['qcow2', 'INSPECT_QEMU_IMG_FAILED', []],
      ['vmdk', 'INSPECT_QEMU_IMG_FAILED', ['-o', 'subformat=streamOptimized']],
      ['vdi', 'INSPECT_TRUNCATED', []],
    ] as const) {
      const q = join(dir, `cut-source.${format}`);
      run('qemu-img', ['convert', '-f', 'raw', '-O', format, ...opts, diskPath, q]);
      const whole = readFileSync(q);
      await expect(
        inspectImage(whole.subarray(0, whole.length >> 1)),
        format,
      ).rejects.toMatchObject({
        code,
        exitCode: 1,
      });
    }
    const qcow2 = readFileSync(join(dir, 'cut-source.qcow2'));
    // Without qemu-img the message names the package to install.
    await expect(
      inspectImage(qcow2, {
        toRaw: (b, f) => qemuImgToRaw(b, f, { qemuImg: '/nonexistent/qemu-img' }),
      }),
    ).rejects.toMatchObject({ code: 'TOOL_MISSING', hint: expect.stringContaining('qemu-utils') });
  });
});
