import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { bytes, EPOCH } from '../../test/fixtures.js';
import { run, scratch } from '../../test/host.js';
import { GCE_DISK_NAME, gceTarGz } from './gce.js';

const dir = scratch();
const MiB = 1024 * 1024;

describe('GCE image archive (disk.raw in a gzip tar)', () => {
  const raw = Buffer.alloc(3 * MiB);
  bytes('gce-disk', 700_000).copy(raw, 4096);
  const archive = Buffer.from(gceTarGz(raw, { sourceDateEpoch: EPOCH }));

  it('has a gzip header with mtime 0 and no file name', () => {
    expect(archive.subarray(0, 3).equals(Buffer.from([0x1f, 0x8b, 8]))).toBe(true);
    expect(archive[3]).toBe(0); // FLG: no FNAME, no FEXTRA
    expect(archive.readUInt32LE(4)).toBe(0); // MTIME
  });

  it('is listed and extracted by GNU tar: only disk.raw, root-owned, the SOURCE_DATE_EPOCH', () => {
    const file = join(dir, 'disk.tar.gz');
    writeFileSync(file, archive);
    const listing = run('tar', ['-tzvf', file, '--utc']).trim().split('\n');
    expect(listing).toHaveLength(1);
    expect(listing[0]).toMatch(/^-rw-r--r-- root\/root +3145728 2023-11-14 22:13 disk\.raw$/);
    const out = join(dir, 'x');
    execFileSync('mkdir', ['-p', out]);
    run('tar', ['-xzf', file, '-C', out]);
    expect(readFileSync(join(out, GCE_DISK_NAME)).equals(raw)).toBe(true);
  });

  it('is byte-identical for the same input and smaller than the disk', () => {
    expect(
      Buffer.from(gceTarGz(Buffer.from(raw), { sourceDateEpoch: EPOCH })).equals(archive),
    ).toBe(true);
    expect(archive.length).toBeLessThan(raw.length / 2);
    expect(gunzipSync(archive).length % 10240).toBe(0);
  });

  it('refuses a disk that is not whole sectors', () => {
    expect(() => gceTarGz(new Uint8Array(100), { sourceDateEpoch: EPOCH })).toThrow(/512/);
  });
});
