import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run, runStatus, scratch } from '../../test/host.js';
import { writeImageFile } from '../output.js';
import { chs, readMbr, writeMbr } from './mbr.js';

const dir = scratch();
const MiB = 1024 * 1024;

describe('MBR', () => {
  it('encodes CHS like sfdisk for LBA 2048 (0/32/33 with 255 heads x 63 sectors)', () => {
    expect(chs(2048)).toEqual([32, 33, 0]);
    expect(chs(0)).toEqual([0, 1, 0]);
    // beyond cylinder 1023 the field saturates
    expect(chs(2 ** 31)).toEqual([254, 63 | 0xc0, 0xff]);
  });

  it('writes a table that sfdisk dumps and verifies', async () => {
    const code = Buffer.alloc(440, 0xfa);
    const mbr = writeMbr({
      bootCode: code,
      diskSignature: 0x55435648,
      partitions: [{ start: 2048, sectors: 24 * 2048 - 2048, type: 0x0e, bootable: true }],
    });
    const img = join(dir, 'mbr.img');
    await writeImageFile(img, [mbr, 24 * MiB - 512]);
    const dump = run('sfdisk', ['--dump', img]);
    expect(dump).toContain('label: dos');
    expect(dump).toContain('label-id: 0x55435648');
    expect(dump).toMatch(/start=\s*2048, size=\s*47104, type=e, bootable/);
    const v = runStatus('sfdisk', ['--verify', img]);
    expect(v.status).toBe(0);
    expect(v.stdout).toContain('No errors detected');
    expect(Buffer.from(mbr.subarray(0, 440)).equals(code)).toBe(true);
  });

  it('round-trips through readMbr', () => {
    const parts = [
      { start: 2048, sectors: 100, type: 0x0c, bootable: true },
      { start: 4096, sectors: 50, type: 0x83, bootable: false },
    ];
    const r = readMbr(writeMbr({ diskSignature: 7, partitions: parts }));
    expect(r.diskSignature).toBe(7);
    expect(r.partitions).toEqual(parts.map((p, i) => ({ ...p, index: i + 1 })));
  });

  it('refuses a fifth partition and a bad start with a coded error', () => {
    const p = { start: 1, sectors: 1, type: 0x83 };
    expect(() => writeMbr({ diskSignature: 1, partitions: [p, p, p, p, p] })).toThrow(
      expect.objectContaining({ code: 'MBR_TOO_MANY_PARTITIONS' }),
    );
    expect(() => writeMbr({ diskSignature: 1, partitions: [{ ...p, start: -1 }] })).toThrow(
      expect.objectContaining({ code: 'MBR_BAD_START' }),
    );
  });
});
