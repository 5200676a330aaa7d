import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, fstatSync, openSync, readSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bytes, EPOCH } from '../../test/fixtures.js';
import { scratch } from '../../test/host.js';
import { concatChunks } from '../output.js';
import { readVhdFooter, VHD_FOOTER_SIZE, vhdChecksum, vhdGeometry, writeFixedVhd } from './vhd.js';

const dir = scratch();
const MiB = 1024 * 1024;

function qemuImg(args: string[]): string {
  if (spawnSync('sh', ['-c', 'command -v qemu-img']).status !== 0) {
    throw new Error('host tool qemu-img missing: apt-get install -y qemu-utils');
  }
  return execFileSync('qemu-img', args, {
    encoding: 'utf8',
    env: { ...process.env, LC_ALL: 'C' },
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 120_000,
  });
}

/** The last 512 bytes of a (sparse, possibly large) file. */
function lastSector(path: string): Buffer {
  const fd = openSync(path, 'r');
  try {
    const b = Buffer.alloc(512);
    readSync(fd, b, 0, 512, fstatSync(fd).size - 512);
    return b;
  } finally {
    closeSync(fd);
  }
}

/** A raw disk of 5 MiB + 3 sectors: some data, then zeros (not a whole MiB on purpose). */
function rawDisk(): Buffer {
  const raw = Buffer.alloc(5 * MiB + 3 * 512);
  bytes('raw-disk', 2 * MiB).copy(raw, 0);
  bytes('tail', 1536).copy(raw, raw.length - 1536);
  return raw;
}

describe('fixed VHD (Azure)', () => {
  const raw = rawDisk();
  const vhd = Buffer.from(concatChunks(writeFixedVhd(raw, { sourceDateEpoch: EPOCH })));

  it('is the raw disk rounded up to a whole MiB plus a 512-byte footer', () => {
    expect(vhd.length).toBe(6 * MiB + VHD_FOOTER_SIZE);
    expect(vhd.subarray(0, raw.length).equals(raw)).toBe(true);
    expect(vhd.subarray(raw.length, 6 * MiB).every((b) => b === 0)).toBe(true);
  });

  it('has the footer fields of the spec and a checksum that verifies', () => {
    const f = readVhdFooter(vhd);
    expect(f).toMatchObject({
      cookie: 'conectix',
      features: 2,
      formatVersion: 0x10000,
      dataOffset: 0xffffffffffffffffn,
      timestamp: EPOCH - 946684800,
      creatorApplication: 'ucvm',
      creatorVersion: 1,
      creatorHostOs: 'Wi2k',
      originalSize: BigInt(6 * MiB),
      currentSize: BigInt(6 * MiB),
      diskType: 2,
      savedState: 0,
      checksumValid: true,
    });
    expect(f.geometry).toEqual(vhdGeometry((6 * MiB) / 512));
    expect(f.uniqueId.some((b) => b !== 0)).toBe(true);
    // Any changed byte breaks the checksum.
    const bad = Buffer.from(vhd.subarray(-512));
    bad[50] = (bad[50] ?? 0) ^ 1;
    expect(readVhdFooter(bad).checksumValid).toBe(false);
    expect(vhdChecksum(bad)).not.toBe(f.checksum);
  });

  it('is the same bytes for the same input; the unique id follows the content', () => {
    const again = concatChunks(writeFixedVhd(Buffer.from(raw), { sourceDateEpoch: EPOCH }));
    expect(Buffer.from(again).equals(vhd)).toBe(true);
    const other = Buffer.from(raw);
    other[0] = (other[0] ?? 0) ^ 0xff;
    const f2 = readVhdFooter(concatChunks(writeFixedVhd(other, { sourceDateEpoch: EPOCH })));
    expect(Buffer.from(f2.uniqueId).equals(Buffer.from(readVhdFooter(vhd).uniqueId))).toBe(false);
  });

  it('clamps a SOURCE_DATE_EPOCH before 2000 to the VHD epoch', () => {
    const f = readVhdFooter(concatChunks(writeFixedVhd(raw, { sourceDateEpoch: 0 })));
    expect(f.timestamp).toBe(0);
    expect(f.checksumValid).toBe(true);
  });

  it('refuses an empty disk and a size that is not whole sectors', () => {
    expect(() => writeFixedVhd(new Uint8Array(0), { sourceDateEpoch: EPOCH })).toThrow(/empty/);
    expect(() => readVhdFooter(Buffer.alloc(512))).toThrow(/conectix/);
  });

  it('computes the CHS geometry as qemu-img does (spec appendix) for small and large disks', () => {
    // qemu runs the same algorithm on total, total+1, … until C*H*S covers the size (its
    // size rounds up; the spec's, which ucvm writes, rounds down): replay that with ours.
    const qemuStyle = (total: number) => {
      for (let i = 0; ; i++) {
        const g = vhdGeometry(total + i);
        if (g.cylinders * g.heads * g.sectorsPerTrack >= total) return g;
      }
    };
    for (const mib of [6, 24, 100, 1024, 3072, 40960]) {
      const f = join(dir, `geo-${mib}.vhd`);
      qemuImg(['create', '-q', '-f', 'vpc', '-o', 'subformat=fixed', f, `${mib}M`]);
      const footer = readVhdFooter(lastSector(f));
      expect(footer.checksumValid).toBe(true);
      expect(qemuStyle(mib * 2048), `${mib} MiB`).toEqual(footer.geometry);
    }
  });

  it('is read by qemu-img as a fixed vpc disk with the raw content', () => {
    const rawFile = join(dir, 'disk.raw');
    const vhdFile = join(dir, 'disk.vhd');
    writeFileSync(rawFile, raw);
    writeFileSync(vhdFile, vhd);
    // qemu sizes VHDs of unknown creators by CHS; Hyper-V/Azure use the current size.
    const opts = `driver=vpc,force_size_calc=current_size,file.filename=${vhdFile}`;
    const info = JSON.parse(qemuImg(['info', '--output=json', '--image-opts', opts]));
    expect(info).toMatchObject({ format: 'vpc', 'virtual-size': 6 * MiB });
    expect(JSON.parse(qemuImg(['info', '--output=json', '-f', 'vpc', vhdFile]))).toMatchObject({
      format: 'vpc',
    });
    const cmp = qemuImg(['compare', '--image-opts', `driver=raw,file.filename=${rawFile}`, opts]);
    expect(cmp).toContain('Images are identical');
    // And a one-byte change is seen.
    const changed = Buffer.from(raw);
    changed[4096] = (changed[4096] ?? 0) ^ 1;
    writeFileSync(rawFile, changed);
    const r = spawnSync(
      'qemu-img',
      ['compare', '--image-opts', `driver=raw,file.filename=${rawFile}`, opts],
      { encoding: 'utf8' },
    );
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('Content mismatch at offset 4096');
  });
});
