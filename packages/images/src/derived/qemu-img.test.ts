import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bytes } from '../../test/fixtures.js';
import { scratch } from '../../test/host.js';
import { convertWithQemuImg } from './qemu-img.js';
import { readVdiIds } from './vdi.js';
import { readVmdkDescriptor } from './vmdk.js';

const dir = scratch();
const MiB = 1024 * 1024;
const rawFile = join(dir, 'disk.raw');
const raw = Buffer.alloc(8 * MiB);
bytes('qemu-img-disk', 1_500_000).copy(raw, 512);
bytes('qemu-img-tail', 4096).copy(raw, 7 * MiB);
writeFileSync(rawFile, raw);
mkdirSync(join(dir, 'a'));
mkdirSync(join(dir, 'b'));

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

describe.each(['qcow2', 'vdi', 'vmdk'] as const)('convertWithQemuImg %s', (format) => {
  const out = (run: string) => join(dir, run, `ucernvm-test.${format}`);

  it('writes an image that qemu-img check passes and compare finds identical to the raw', async () => {
    await convertWithQemuImg(rawFile, out('a'), format);
    const info = JSON.parse(qemuImg(['info', '--output=json', out('a')]));
    expect(info.format).toBe(format);
    expect(info['virtual-size']).toBe(raw.length);
    if (format === 'vmdk')
      expect(info['format-specific'].data['create-type']).toBe('streamOptimized');
    expect(qemuImg(['check', '-f', format, out('a')])).toMatch(/No errors were found/);
    expect(qemuImg(['compare', '-f', 'raw', '-F', format, rawFile, out('a')])).toContain(
      'Images are identical',
    );
  });

  it('is byte-identical when converted again (elsewhere, with the same final name)', async () => {
    await convertWithQemuImg(rawFile, out('b'), format);
    expect(readFileSync(out('b')).equals(readFileSync(out('a')))).toBe(true);
  });
});

describe('derived ids', () => {
  it('VDI UUIDs are derived from the input, not random, and differ per input', async () => {
    const a = readVdiIds(readFileSync(join(dir, 'a', 'ucernvm-test.vdi')));
    expect(a.image.some((b) => b !== 0)).toBe(true);
    expect(Buffer.from(a.image).equals(Buffer.from(a.lastSnapshot))).toBe(false);
    expect((a.image[7] ?? 0) >> 4).toBe(4);
    await convertWithQemuImg(rawFile, join(dir, 'seeded.vdi'), 'vdi', { seed: 'other' });
    const b = readVdiIds(readFileSync(join(dir, 'seeded.vdi')));
    expect(Buffer.from(b.image).equals(Buffer.from(a.image))).toBe(false);
  });

  it('the VMDK descriptor names the final file and carries a derived CID', () => {
    const d = readVmdkDescriptor(readFileSync(join(dir, 'a', 'ucernvm-test.vmdk')));
    expect(d.text).toMatch(/^createType="streamOptimized"$/m);
    expect(d.text).toMatch(/^RW \d+ SPARSE "ucernvm-test\.vmdk"$/m);
    expect(d.text).toMatch(/^CID=[0-9a-f]{8}$/m);
    expect(d.text).toMatch(/^parentCID=ffffffff$/m);
  });

  it('refuses an unknown format and names a missing raw disk', async () => {
    await expect(
      convertWithQemuImg(rawFile, join(dir, 'x.img'), 'vpc' as 'qcow2'),
    ).rejects.toMatchObject({
      code: 'QEMU_IMG_FORMAT',
      message: expect.stringContaining("'vpc'"),
      hint: 'use one of: qcow2, vdi, vmdk',
    });
    await expect(
      convertWithQemuImg(join(dir, 'missing.raw'), join(dir, 'x.qcow2'), 'qcow2'),
    ).rejects.toThrow(/missing\.raw/);
  });
});
