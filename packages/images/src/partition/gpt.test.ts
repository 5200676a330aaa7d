import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run, runStatus, scratch } from '../../test/host.js';
import { writeImageFile } from '../output.js';
import { bytesToGuid, deriveGuid, GPT_TYPE, guidToBytes, readGpt, writeGpt } from './gpt.js';

const dir = scratch();
const SECTORS = 64 * 2048; // 64 MiB

function layout(seed: string) {
  return writeGpt({
    diskSectors: SECTORS,
    seed,
    partitions: [
      { type: GPT_TYPE.efiSystem, start: 2048, sectors: 8 * 2048, name: 'EFI system' },
      { type: GPT_TYPE.linuxFilesystem, start: 10 * 2048, sectors: 40 * 2048, name: 'scratch' },
    ],
  });
}

describe('GPT', () => {
  it('encodes GUIDs mixed-endian (UEFI §5.3.1)', () => {
    const b = guidToBytes(GPT_TYPE.efiSystem);
    expect(Buffer.from(b).toString('hex')).toBe('28732ac11ff8d211ba4b00a0c93ec93b');
    expect(bytesToGuid(b)).toBe(GPT_TYPE.efiSystem);
  });

  it('writes primary + backup tables that sfdisk dumps and verifies', async () => {
    const g = layout('test-disk');
    const img = join(dir, 'gpt.img');
    await writeImageFile(img, [
      g.primary,
      SECTORS * 512 - g.primary.length - g.backup.length,
      g.backup,
    ]);
    const dump = run('sfdisk', ['--dump', img]);
    expect(dump).toContain('label: gpt');
    expect(dump).toContain(`label-id: ${g.diskGuid}`);
    expect(dump).toContain('first-lba: 34');
    expect(dump).toContain(`last-lba: ${SECTORS - 34}`);
    expect(dump).toMatch(
      new RegExp(
        `start=\\s*2048, size=\\s*16384, type=${GPT_TYPE.efiSystem}, uuid=${g.partitionGuids[0]}, name="EFI system"`,
      ),
    );
    expect(dump).toMatch(
      /start=\s*20480, size=\s*81920, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, .*name="scratch"/,
    );
    const v = runStatus('sfdisk', ['--verify', img]);
    expect(v.status).toBe(0);
    expect(v.stdout).toContain('No errors detected');
    expect(v.stderr).toBe('');
  });

  it('derives GUIDs from the seed: same seed same bytes, other seed other ids', () => {
    const a = layout('seed-a');
    const a2 = layout('seed-a');
    const b = layout('seed-b');
    expect(Buffer.from(a.primary).equals(Buffer.from(a2.primary))).toBe(true);
    expect(Buffer.from(a.backup).equals(Buffer.from(a2.backup))).toBe(true);
    expect(a.diskGuid).not.toBe(b.diskGuid);
    expect(new Set([a.diskGuid, ...a.partitionGuids]).size).toBe(3);
    expect(deriveGuid('x', 'y')).toMatch(
      /^[0-9A-F]{8}-[0-9A-F]{4}-4[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}$/,
    );
  });

  it('round-trips through readGpt and detects corruption', () => {
    const g = layout('rt');
    const r = readGpt(g.primary);
    expect(r.diskGuid).toBe(g.diskGuid);
    expect(r.partitions.map((p) => [p.start, p.sectors, p.name])).toEqual([
      [2048, 16384, 'EFI system'],
      [20480, 81920, 'scratch'],
    ]);
    const bad = Buffer.from(g.primary);
    bad[1024 + 40] = (bad[1024 + 40] ?? 0) ^ 1;
    expect(() => readGpt(bad)).toThrow(expect.objectContaining({ code: 'GPT_BAD_ENTRIES_CRC' }));
  });

  it('refuses a partition in the reserved area', () => {
    expect(() =>
      writeGpt({
        diskSectors: SECTORS,
        seed: 's',
        partitions: [{ type: GPT_TYPE.basicData, start: 10, sectors: 5 }],
      }),
    ).toThrow(expect.objectContaining({ code: 'GPT_PARTITION_OUT_OF_RANGE' }));
  });
});
