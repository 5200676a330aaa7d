import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  bytes,
  EPOCH,
  freshDir,
  imageTree,
  snapshotDir,
  snapshotTree,
} from '../../test/fixtures.js';
import { run, scratch } from '../../test/host.js';
import { writeFat } from '../fat/writer.js';
import { readMbr } from '../partition/mbr.js';
import type { TreeEntry } from '../tree.js';
import { readIso } from './reader.js';
import { layoutIso, writeIso, writeIsoFile } from './writer.js';

const dir = scratch();
// Loader binaries from the Debian packages (build.md §6: pinned components in real builds).
const ISOLINUX_BIN = readFileSync('/usr/lib/ISOLINUX/isolinux.bin');
const ISOHDPFX = readFileSync('/usr/lib/ISOLINUX/isohdpfx.bin');

function isoTree(): TreeEntry[] {
  const efi = writeFat(
    [{ path: 'EFI/BOOT/BOOTX64.EFI', type: 'file', data: bytes('grub', 70_000) }],
    {
      sizeBytes: 2 * 1024 * 1024,
      sourceDateEpoch: EPOCH,
      label: 'UCVM_EFI',
    },
  );
  return [
    ...imageTree().filter((e) => e.path !== 'isolinux/isolinux.bin'),
    { path: 'isolinux/isolinux.bin', type: 'file', data: ISOLINUX_BIN },
    { path: 'boot/efiboot.img', type: 'file', data: efi },
    { path: 'cernvm/vmlinuz', type: 'symlink', target: 'vmlinuz.xz' },
    { path: 'abs-link', type: 'symlink', target: '/cernvm/initrd.img' },
    { path: 'up-link', type: 'symlink', target: '../../x/./y' },
    { path: 'private', type: 'dir', mode: 0o700 },
    { path: 'private/secret.sh', type: 'file', data: Buffer.from('#!/bin/sh\n'), mode: 0o750 },
    { path: `n${'x'.repeat(254)}`, type: 'file', data: Buffer.from('255-byte name\n') },
    { path: 'deep/a/b/c/d/e/f/g/h/i/file.txt', type: 'file', data: Buffer.from('deep\n') },
    { path: 'Same.Prefix.Long.Name.1', type: 'file', data: Buffer.from('1') },
    { path: 'Same.Prefix.Long.Name.2', type: 'file', data: Buffer.from('2') },
  ];
}

const opts = {
  sourceDateEpoch: EPOCH,
  volumeId: 'UCERNVM',
  bios: { bootFile: 'isolinux/isolinux.bin' },
  efi: { image: 'boot/efiboot.img' },
  isohybrid: { mbrCode: ISOHDPFX },
};

describe('ISO 9660 writer', () => {
  const tree = isoTree();
  const img = join(dir, 'ucernvm.iso');
  let layout: ReturnType<typeof layoutIso>;

  it('has the BIOS and UEFI El Torito entries xorriso reports', async () => {
    layout = await writeIsoFile(img, tree, opts);
    const rep = run('xorriso', [
      '-indev',
      img,
      '-report_el_torito',
      'plain',
      '-report_system_area',
      'plain',
    ]);
    const bin = layout.extents.get('isolinux/isolinux.bin')!.lba;
    const efi = layout.extents.get('boot/efiboot.img')!.lba;
    expect(rep).toMatch(new RegExp(`El Torito catalog\\s*:\\s*${layout.catalogLba}\\s+1`));
    expect(rep).toMatch(
      new RegExp(
        `El Torito boot img :\\s+1\\s+BIOS\\s+y\\s+none\\s+0x0000\\s+0x00\\s+4\\s+${bin}\n`,
      ),
    );
    expect(rep).toMatch(/El Torito img path :\s+1\s+\/isolinux\/isolinux.bin\n/);
    expect(rep).toMatch(/El Torito img opts :\s+1\s+boot-info-table isohybrid-suitable/);
    expect(rep).toMatch(
      new RegExp(
        `El Torito boot img :\\s+2\\s+UEFI\\s+y\\s+none\\s+0x0000\\s+0x00\\s+4096\\s+${efi}\n`,
      ),
    );
    expect(rep).toMatch(/El Torito img path :\s+2\s+\/boot\/efiboot.img\n/);
    expect(rep).toMatch(/System area summary: MBR isohybrid/);
    expect(rep).toMatch(/MBR partition\s*:\s+1\s+0x80\s+0x17\s+0\s+\d+/);
    expect(rep).toMatch(
      new RegExp(`MBR partition\\s*:\\s+2\\s+0x00\\s+0xef\\s+${efi * 4}\\s+4096`),
    );
    expect(statSync(img).size % (1024 * 1024)).toBe(0);
  });

  it('extracts with xorriso to exactly the tree, Rock Ridge names, symlinks and modes', () => {
    const out = freshDir(dir, 'x');
    run('xorriso', ['-osirrox', 'on', '-indev', img, '-extract', '/', out]);
    const want = snapshotTree([
      ...tree,
      { path: 'isolinux/boot.cat', type: 'file', data: Buffer.alloc(0) },
    ]);
    const got = snapshotDir(out);
    // the boot-info-table is patched into the image's copy; the catalog is generated
    delete want['isolinux/isolinux.bin'];
    delete want['isolinux/boot.cat'];
    expect(Object.keys(got).sort()).toEqual(
      [...Object.keys(want), 'isolinux/boot.cat', 'isolinux/isolinux.bin'].sort(),
    );
    for (const [k, v] of Object.entries(want)) expect(got[k], k).toBe(v);
    expect(statSync(join(out, 'private/secret.sh')).mode & 0o7777).toBe(0o750);
    expect(statSync(join(out, 'version')).mode & 0o7777).toBe(0o644);
    expect(statSync(join(out, 'EFI/BOOT/BOOTX64.EFI')).mode & 0o7777).toBe(0o755);
    expect(statSync(join(out, 'private')).mode & 0o7777).toBe(0o700);
  });

  it('patches the boot-info-table into the image copy of isolinux.bin only', () => {
    const iso = readFileSync(img);
    const { lba, size } = layout.extents.get('isolinux/isolinux.bin')!;
    const f = iso.subarray(lba * 2048, lba * 2048 + size);
    let sum = 0;
    const padded = Buffer.concat([ISOLINUX_BIN, Buffer.alloc(3)]);
    for (let i = 64; i + 4 <= padded.length; i += 4) sum = (sum + padded.readUInt32LE(i)) >>> 0;
    expect(f.readUInt32LE(8)).toBe(16); // PVD LBA
    expect(f.readUInt32LE(12)).toBe(lba);
    expect(f.readUInt32LE(16)).toBe(ISOLINUX_BIN.length);
    expect(f.readUInt32LE(20)).toBe(sum);
    expect(f.subarray(24, 64).every((b) => b === 0)).toBe(true);
    expect(f.subarray(64).equals(ISOLINUX_BIN.subarray(64))).toBe(true);
    expect(f.subarray(0, 8).equals(ISOLINUX_BIN.subarray(0, 8))).toBe(true);
  });

  it('writes the isohybrid MBR: isohdpfx code, boot file LBA at 432, active partition', () => {
    const iso = readFileSync(img);
    expect(iso.subarray(0, 432).equals(ISOHDPFX.subarray(0, 432))).toBe(true);
    expect(iso.readUInt32LE(432)).toBe(layout.extents.get('isolinux/isolinux.bin')!.lba * 4);
    const mbr = readMbr(iso.subarray(0, 512));
    expect(mbr.diskSignature).toBe(layout.diskSignature);
    expect(mbr.partitions[0]).toMatchObject({
      start: 0,
      sectors: iso.length / 512,
      type: 0x17,
      bootable: true,
    });
  });

  it('reads back with readIso and the PVD carries SOURCE_DATE_EPOCH', () => {
    const r = readIso(readFileSync(img));
    expect(r.pvd.volumeId).toBe('UCERNVM');
    expect(r.pvd.modificationDate).toBe('2023111422132000');
    const byPath = new Map(r.entries.map((e) => [e.path, e]));
    expect(byPath.get('abs-link')?.target).toBe('/cernvm/initrd.img');
    expect(byPath.get('up-link')?.target).toBe('../../x/./y');
    expect(byPath.get('cernvm/vmlinuz.xz')?.data?.length).toBe(300_000);
    expect(byPath.get(`n${'x'.repeat(254)}`)?.type).toBe('file');
    expect(byPath.get('.ucernvm_boot_loader')?.isoId).toBe('_UCERNVM.;1');
  });

  it('is byte-identical whatever TZ, umask, output directory and input order', async () => {
    const a = readFileSync(img);
    const tz = process.env.TZ;
    const mask = process.umask(0o077);
    process.env.TZ = 'America/New_York';
    try {
      const b = join(freshDir(dir, 'other'), 'again.iso');
      await writeIsoFile(b, [...tree].reverse(), opts);
      expect(readFileSync(b).equals(a)).toBe(true);
    } finally {
      process.umask(mask);
      if (tz === undefined) delete process.env.TZ;
      else process.env.TZ = tz;
    }
    const other = writeIso(tree, { ...opts, sourceDateEpoch: EPOCH + 1 });
    expect(Buffer.from(other).equals(a)).toBe(false);
  });

  it('writes a plain data ISO without boot entries', () => {
    const iso = Buffer.from(writeIso(imageTree(), { sourceDateEpoch: EPOCH }));
    expect(iso.subarray(0, 32768).every((b) => b === 0)).toBe(true);
    const out = freshDir(dir, 'plain');
    const p = join(out, '..', 'plain.iso');
    writeFileSync(p, iso);
    run('xorriso', ['-osirrox', 'on', '-indev', p, '-extract', '/', out]);
    expect(snapshotDir(out)).toEqual(snapshotTree(imageTree()));
  });

  it('refuses bad boot settings with coded errors', () => {
    const t = imageTree();
    expect(() => layoutIso(t, { ...opts, efi: undefined as never })).toThrow(
      expect.objectContaining({ code: 'ISO_NOT_HYBRID_CAPABLE' }),
    );
    expect(() => layoutIso(t, { sourceDateEpoch: EPOCH, bios: { bootFile: 'nope.bin' } })).toThrow(
      expect.objectContaining({
        code: 'ISO_BOOT_FILE_MISSING',
        message: expect.stringContaining('nope.bin'),
      }),
    );
    expect(() => layoutIso(t, { sourceDateEpoch: EPOCH, volumeId: 'lower case' })).toThrow(
      expect.objectContaining({ code: 'ISO_BAD_VOLUME_ID' }),
    );
  });
});
