import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EPOCH, freshDir, imageTree } from '../test/fixtures.js';
import { run, runStatus, scratch } from '../test/host.js';
import { buildHdd } from './hdd.js';
import { readMbr } from './partition/mbr.js';
import type { TreeEntry } from './tree.js';

const dir = scratch();
const MBR_BIN = readFileSync('/usr/lib/syslinux/mbr/mbr.bin');
const MiB = 1024 * 1024;

function hddTree(): TreeEntry[] {
  return [
    ...imageTree().filter((e) => e.path !== 'isolinux/isolinux.bin'),
    {
      path: 'isolinux/ldlinux.c32',
      type: 'file',
      data: readFileSync('/usr/lib/syslinux/modules/bios/ldlinux.c32'),
    },
  ];
}

describe('buildHdd (MBR + FAT partition + syslinux --install)', () => {
  const img = join(dir, 'ucernvm.hdd');
  let result: Awaited<ReturnType<typeof buildHdd>>;

  it('writes a 24 MiB disk with mbr.bin code and one active FAT16 partition at 1 MiB', async () => {
    result = await buildHdd(img, hddTree(), { sourceDateEpoch: EPOCH, mbrCode: MBR_BIN });
    const disk = readFileSync(img);
    expect(disk.length).toBe(24 * MiB);
    expect(disk.subarray(0, 440).equals(MBR_BIN)).toBe(true);
    expect(result).toMatchObject({ fatType: 16, partitionStart: 2048, partitionSectors: 47104 });
    expect(readMbr(disk.subarray(0, 512)).diskSignature).toBe(result.diskSignature);
    expect(readMbr(disk.subarray(0, 512)).partitions).toEqual([
      { index: 1, start: 2048, sectors: 24 * 2048 - 2048, type: 0x0e, bootable: true },
    ]);
    const dump = run('sfdisk', ['--dump', img]);
    expect(dump).toMatch(/start=\s*2048, size=\s*47104, type=e, bootable/);
    expect(run('sfdisk', ['--verify', img])).toContain('No errors detected');
  });

  it('has syslinux installed in the partition and passes fsck.fat', () => {
    const disk = readFileSync(img);
    const part = disk.subarray(MiB);
    expect(part.toString('latin1', 3, 11)).toBe('SYSLINUX');
    expect(part.readUInt32LE(28)).toBe(2048); // hidden sectors = partition LBA
    const partFile = join(dir, 'part.fat');
    writeFileSync(partFile, part);
    const r = runStatus('fsck.fat', ['-n', '-v', partFile]);
    expect(r.status).toBe(0);
    expect(r.stdout).not.toMatch(/Fixing|Invalid|wrong|Dirty|unchanged/i);
    // ldlinux.sys and ldlinux.c32 are written hidden+system by the installer
    const listing = run('mdir', ['-a', '-i', `${img}@@1M`, '::/isolinux']);
    expect(listing).toMatch(/ldlinux\s+sys\s+\d+/);
    expect(listing).toMatch(/syslinux\s+cfg/);
    expect(listing).toMatch(/ldlinux\s+c32\s+\d+/);
    expect(run('mtype', ['-i', `${img}@@1M`, '::/version'])).toContain('uCernVM');
  });

  it('is byte-identical across builds with another TZ', async () => {
    const tz = process.env.TZ;
    process.env.TZ = 'Asia/Tokyo';
    try {
      const b = join(freshDir(dir, 'b'), 'again.hdd');
      await buildHdd(b, hddTree(), { sourceDateEpoch: EPOCH, mbrCode: MBR_BIN });
      expect(readFileSync(b).equals(readFileSync(img))).toBe(true);
    } finally {
      if (tz === undefined) delete process.env.TZ;
      else process.env.TZ = tz;
    }
  });

  it('names the missing tool and its Debian package, and refuses a tree without syslinux.cfg', async () => {
    await expect(
      buildHdd(join(dir, 'x.hdd'), hddTree(), {
        sourceDateEpoch: EPOCH,
        mbrCode: MBR_BIN,
        syslinux: '/nonexistent/syslinux',
      }),
    ).rejects.toMatchObject({ code: 'TOOL_MISSING', hint: expect.stringContaining('"syslinux"') });
    await expect(
      buildHdd(
        join(dir, 'y.hdd'),
        hddTree().filter((e) => !e.path.endsWith('syslinux.cfg')),
        {
          sourceDateEpoch: EPOCH,
          mbrCode: MBR_BIN,
        },
      ),
    ).rejects.toMatchObject({ code: 'HDD_NO_SYSLINUX_CFG' });
  });
});
