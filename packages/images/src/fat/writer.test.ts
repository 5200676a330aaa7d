import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EPOCH, freshDir, imageTree, snapshotDir, snapshotTree } from '../../test/fixtures.js';
import { run, runStatus, scratch } from '../../test/host.js';
import type { FatType } from './boot-sector.js';
import { readFat } from './reader.js';
import { layoutFat, writeFat, writeFatFile } from './writer.js';

const dir = scratch();
const MiB = 1024 * 1024;

// FAT12 and FAT16 are picked by size; FAT32 is forced on a small image (auto from 512 MiB).
const cases: { type: FatType; size: number; many: number; force?: FatType }[] = [
  { type: 12, size: 2 * MiB, many: 5 },
  { type: 16, size: 16 * MiB, many: 60 },
  { type: 32, size: 40 * MiB, many: 200, force: 32 },
];

describe.each(cases)('FAT$type ($size bytes)', ({ type, size, many, force }) => {
  const tree = imageTree({ manyFiles: many });
  const img = join(dir, `fat${type}.img`);
  let layout: ReturnType<typeof layoutFat>;

  it('is chosen by size and passes fsck.fat -n -v', async () => {
    layout = await writeFatFile(img, tree, {
      sizeBytes: size,
      sourceDateEpoch: EPOCH,
      label: 'UCERNVM',
      ...(force ? { fatType: force } : {}),
    });
    expect(layout.geometry.fatType).toBe(type);
    const r = runStatus('fsck.fat', ['-n', '-v', img]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`2 FATs, ${type} bit entries`);
    expect(r.stdout).not.toMatch(/Fixing|Invalid|wrong|Dirty|unchanged/i);
    // fsck.fat counts directories and the volume label entry too
    const files = Object.keys(snapshotTree(tree)).length + 1;
    expect(r.stdout).toMatch(new RegExp(`${files} files, \\d+/\\d+ clusters`));
  });

  it('lists the tree with mdir (long names, short names)', () => {
    const root = run('mdir', ['-i', img, '::/']);
    expect(root).toMatch(/Volume in drive : is UCERNVM {4}\n/);
    expect(root).toMatch(/UCERNV~1\s+0 2023-11-14\s+22:13\s+\.ucernvm_boot_loader/);
    expect(root).toMatch(/version\s+\d+ 2023-11-14/);
    expect(root).toContain('Mixed Case Name.Text');
    const cernvm = run('mdir', ['-i', img, '::/cernvm']);
    expect(cernvm).toMatch(/EXTRA-~1\s+\d+ 2023-11-14\s+22:13\s+extra-user-data/);
    expect(run('mdir', ['-/', '-b', '-i', img, '::/'])).toContain('::/EFI/BOOT/BOOTX64.EFI');
  });

  it('extracts with mcopy to exactly the tree', () => {
    const out = freshDir(dir, `out${type}`);
    run('mcopy', ['-s', '-n', '-i', img, '::/*', out]);
    expect(snapshotDir(out)).toEqual(snapshotTree(tree));
  });

  it('reads back with readFat', () => {
    const r = readFat(readFileSync(img));
    expect(r.label).toBe('UCERNVM');
    expect(r.volumeId).toBe(layout.volumeId);
    const files = Object.fromEntries(
      r.entries.map((e) => [
        e.path,
        e.type === 'dir' ? 'dir' : createHash('sha256').update(e.data!).digest('hex'),
      ]),
    );
    expect(Object.fromEntries(Object.entries(files).sort(([a], [b]) => (a < b ? -1 : 1)))).toEqual(
      snapshotTree(tree),
    );
  });
});

describe('FAT determinism and options', () => {
  it('gives identical bytes whatever TZ, umask and output directory', async () => {
    const tree = imageTree();
    const opts = { sizeBytes: 8 * MiB, sourceDateEpoch: EPOCH };
    const a = join(freshDir(dir, 'da'), 'x.fat');
    await writeFatFile(a, tree, opts);
    const tz = process.env.TZ;
    const mask = process.umask(0o077);
    process.env.TZ = 'Asia/Tokyo';
    try {
      const b = join(freshDir(dir, 'db'), 'y.fat');
      await writeFatFile(b, [...tree].reverse(), opts);
      expect(readFileSync(a).equals(readFileSync(b))).toBe(true);
    } finally {
      process.umask(mask);
      if (tz === undefined) delete process.env.TZ;
      else process.env.TZ = tz;
    }
  });

  it('derives the serial from the inputs and honours a forced type and explicit id', () => {
    const t = imageTree();
    const base = { sizeBytes: 34 * MiB, sourceDateEpoch: EPOCH };
    const a = layoutFat(t, base);
    const b = layoutFat(t, { ...base, seed: 'other' });
    expect(a.volumeId).not.toBe(b.volumeId);
    expect(a.geometry.fatType).toBe(16);
    expect(layoutFat(t, { ...base, sizeBytes: 600 * MiB }).geometry).toMatchObject({
      fatType: 32,
      sectorsPerCluster: 8,
    });
    const f = layoutFat(t, { ...base, fatType: 32, volumeId: 0x55435646 });
    expect(f.geometry.fatType).toBe(32);
    expect(f.volumeId).toBe(0x55435646);
  });

  it('writes hidden sectors for a partition and time stamps from SOURCE_DATE_EPOCH', () => {
    const img = Buffer.from(
      writeFat(imageTree(), { sizeBytes: 8 * MiB, sourceDateEpoch: EPOCH, hiddenSectors: 2048 }),
    );
    expect(img.readUInt32LE(28)).toBe(2048);
    const r = readFat(img);
    expect(r.entries.find((e) => e.path === 'version')).toBeDefined();
  });

  it('refuses what FAT cannot hold, naming it', () => {
    const opts = { sizeBytes: 2 * MiB, sourceDateEpoch: EPOCH };
    expect(() => layoutFat([{ path: 'l', type: 'symlink', target: 'x' }], opts)).toThrow(
      expect.objectContaining({ code: 'FAT_SYMLINK', message: expect.stringContaining('"l"') }),
    );
    expect(() =>
      layoutFat([{ path: 'big', type: 'file', data: Buffer.alloc(3 * MiB) }], opts),
    ).toThrow(expect.objectContaining({ code: 'FAT_FULL' }));
    expect(() => layoutFat([], { ...opts, fatType: 32 })).toThrow(
      expect.objectContaining({ code: 'FAT_TYPE_DOES_NOT_FIT' }),
    );
    expect(() => layoutFat([{ path: 'a:b', type: 'file', data: Buffer.alloc(1) }], opts)).toThrow(
      expect.objectContaining({ code: 'FAT_BAD_NAME' }),
    );
  });
});
