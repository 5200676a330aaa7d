import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { bytes, EPOCH } from '../../test/fixtures.js';
import { run, runStatus, scratch } from '../../test/host.js';
import { BOX_DISK_NAMES, boxBaseMac, boxVagrantfile, writeBox } from './box.js';

// The Vagrant box checked by GNU tar, xmllint and qemu-img.

const dir = scratch();
const MiB = 1024 * 1024;
const raw = join(dir, 'disk.raw');
const box = join(dir, 'a.box');
const out = join(dir, 'x');
const opts = { vmName: 'ucernvm-prod', description: 'uCernVM prod', sourceDateEpoch: EPOCH };

beforeAll(async () => {
  const disk = Buffer.alloc(4 * MiB);
  bytes('box-disk', 500_000).copy(disk, 512);
  writeFileSync(raw, disk);
  await writeBox(raw, box, opts);
  run('mkdir', ['-p', out]);
  run('tar', ['-xzf', box, '-C', out]);
}, 120_000);

describe('Vagrant .box (virtualbox provider)', () => {
  it('is a gzip tar (mtime 0, OS Unix) of the sorted members, root-owned, at SOURCE_DATE_EPOCH', () => {
    const gz = readFileSync(box);
    expect([...gz.subarray(0, 4)]).toEqual([0x1f, 0x8b, 8, 0]);
    expect(gz.readUInt32LE(4)).toBe(0);
    expect(gz[9]).toBe(3);
    const listing = run('tar', ['-tzvf', box, '--utc']).trim().split('\n');
    expect(listing.map((l) => l.split(/\s+/).pop())).toEqual([
      'Vagrantfile',
      'box-disk001.vmdk',
      'box-disk002.vmdk',
      'box.ovf',
      'metadata.json',
    ]);
    for (const l of listing) expect(l).toMatch(/^-rw-r--r-- root\/root +\d+ 2023-11-14 22:13 /);
  });

  it('names the provider, sets a VirtualBox base MAC and references its disks from box.ovf', () => {
    expect(JSON.parse(readFileSync(join(out, 'metadata.json'), 'utf8'))).toEqual({
      provider: 'virtualbox',
    });
    const vf = readFileSync(join(out, 'Vagrantfile'), 'utf8');
    const mac = /config\.vm\.base_mac = "([0-9a-f]{12})"/.exec(vf)?.[1];
    expect(mac).toMatch(/^080027/);
    expect(vf).toMatch(/^Vagrant\.configure\("2"\) do \|config\|\n(?: {2}.*\n)+end\n$/m);
    expect(vf).toContain('config.vm.synced_folder ".", "/vagrant", disabled: true');
    const ovf = join(out, 'box.ovf');
    expect(runStatus('xmllint', ['--noout', ovf]).status).toBe(0);
    const hrefs = run('xmllint', [
      '--xpath',
      '//*[local-name()="File"]/@*[local-name()="href"]',
      ovf,
    ]);
    expect(hrefs.match(/"[^"]+"/g)).toEqual(BOX_DISK_NAMES.map((n) => `"${n}"`));
  });

  it('its boot disk has the content of the hdd', () => {
    const d1 = join(out, BOX_DISK_NAMES[0]);
    expect(run('qemu-img', ['check', '-f', 'vmdk', d1])).toContain('No errors were found');
    expect(run('qemu-img', ['compare', '-f', 'raw', '-F', 'vmdk', raw, d1])).toContain(
      'Images are identical',
    );
    const d2 = join(out, BOX_DISK_NAMES[1]);
    expect(run('qemu-img', ['check', '-f', 'vmdk', d2])).toContain('No errors were found');
  });

  it('is byte-identical when written again; the MAC follows the disk', async () => {
    const again = join(dir, 'b.box');
    await writeBox(raw, again, opts);
    expect(readFileSync(again).equals(readFileSync(box))).toBe(true);
    expect(boxBaseMac('a')).not.toBe(boxBaseMac('b'));
    expect(() => boxVagrantfile('bad"name', boxBaseMac('a'))).toThrow(/malformed/);
  }, 60_000);
});
