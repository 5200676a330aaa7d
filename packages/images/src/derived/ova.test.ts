import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { bytes, EPOCH } from '../../test/fixtures.js';
import { run, runStatus, scratch } from '../../test/host.js';
import { ovaArchive, writeOva } from './ova.js';
import { ovfDescriptor, xmlEscape } from './ovf.js';
import { DEFAULT_SCRATCH_BYTES } from './ovf-disks.js';

// The .ova checked by tools that are not ours: GNU tar (order, owners, times), sha256sum -c
// against the .mf, xmllint (well-formed XML, XPath queries), qemu-img (check, compare, info).

const dir = scratch();
const MiB = 1024 * 1024;
const BASE = 'ucernvm-prod.2026.11-1.cernvm.x86_64';
const raw = join(dir, 'disk.raw');
const ova = join(dir, 'a.ova');
const out = join(dir, 'x');

const xpath = (file: string, expr: string) => run('xmllint', ['--xpath', expr, file]).trim();
/** Namespace-blind XPath: `//*[local-name()="Disk"]`. */
const el = (name: string) => `*[local-name()="${name}"]`;

beforeAll(async () => {
  const disk = Buffer.alloc(6 * MiB);
  bytes('ova-disk', 900_000).copy(disk, 1 * MiB);
  writeFileSync(raw, disk);
  await writeOva(raw, ova, {
    base: BASE,
    vmName: 'ucernvm-prod',
    description: 'uCernVM <prod> & "friends"',
    sourceDateEpoch: EPOCH,
  });
  run('mkdir', ['-p', out]);
  run('tar', ['-xf', ova, '-C', out]);
}, 120_000);

describe('.ova (OVF 1.0 package)', () => {
  it('is a ustar with the descriptor first, the manifest second, then the disks in References order', () => {
    const listing = run('tar', ['-tvf', ova, '--utc']).trim().split('\n');
    const names = listing.map((l) => l.split(/\s+/).pop());
    expect(names).toEqual([
      `${BASE}.ovf`,
      `${BASE}.mf`,
      `${BASE}-disk1.vmdk`,
      `${BASE}-disk2.vmdk`,
    ]);
    for (const l of listing) expect(l).toMatch(/^-rw-r--r-- root\/root +\d+ 2023-11-14 22:13 /);
    const refs = xpath(join(out, `${BASE}.ovf`), `//${el('File')}/@*[local-name()="href"]`);
    expect(refs.match(/"[^"]+"/g)).toEqual([`"${BASE}-disk1.vmdk"`, `"${BASE}-disk2.vmdk"`]);
    expect(readFileSync(ova).subarray(257, 263).toString('latin1')).toBe('ustar\0');
  });

  it('its manifest lists SHA256 of the descriptor and every disk, and sha256sum agrees', () => {
    const mf = readFileSync(join(out, `${BASE}.mf`), 'utf8');
    const lines = mf.trim().split('\n');
    expect(lines).toHaveLength(3);
    for (const l of lines) expect(l).toMatch(/^SHA256\([^)]+\)= [0-9a-f]{64}$/);
    // The BSD-style lines `SHA256(f)= h` are what `sha256sum -c` reads with a space before `=`.
    const gnu = lines.map((l) => l.replace(/^SHA256\(([^)]+)\)= /, 'SHA256 ($1) = ')).join('\n');
    writeFileSync(join(out, 'check.sha256'), `${gnu}\n`);
    const check = run('sh', ['-c', `cd '${out}' && sha256sum -c check.sha256`]);
    expect(check.match(/: OK$/gm)).toHaveLength(3);
  });

  it('the descriptor is well-formed XML with the hardware, disks and network of the spec', () => {
    const ovf = join(out, `${BASE}.ovf`);
    expect(runStatus('xmllint', ['--noout', ovf]).status).toBe(0);
    expect(xpath(ovf, `string(/${el('Envelope')}/@*[local-name()="version"])`)).toBe('1.0');
    const disks = xpath(ovf, `//${el('Disk')}/@*[local-name()="capacity"]`);
    expect(disks.match(/"\d+"/g)).toEqual([`"${6 * MiB}"`, `"${DEFAULT_SCRATCH_BYTES}"`]);
    const size = xpath(ovf, `string(//${el('File')}[1]/@*[local-name()="size"])`);
    expect(Number(size)).toBe(readFileSync(join(out, `${BASE}-disk1.vmdk`)).length);
    const types = xpath(ovf, `//${el('Item')}/${el('ResourceType')}/text()`).split('\n');
    expect(types).toEqual(['3', '4', '20', '10', '17', '17']);
    expect(xpath(ovf, `string(//${el('Connection')})`)).toBe('NAT');
    expect(xpath(ovf, `string(//${el('Annotation')})`)).toBe('uCernVM <prod> & "friends"');
  });

  it('its boot disk is a stream-optimised VMDK with the content of the hdd; the scratch disk is empty', () => {
    const disk1 = join(out, `${BASE}-disk1.vmdk`);
    const disk2 = join(out, `${BASE}-disk2.vmdk`);
    for (const d of [disk1, disk2]) {
      expect(run('qemu-img', ['check', '-f', 'vmdk', d])).toContain('No errors were found');
      const info = JSON.parse(run('qemu-img', ['info', '--output=json', d]));
      expect(info['format-specific'].data['create-type']).toBe('streamOptimized');
    }
    expect(run('qemu-img', ['compare', '-f', 'raw', '-F', 'vmdk', raw, disk1])).toContain(
      'Images are identical',
    );
    const info2 = JSON.parse(run('qemu-img', ['info', '--output=json', disk2]));
    expect(info2['virtual-size']).toBe(DEFAULT_SCRATCH_BYTES);
    const map = JSON.parse(run('qemu-img', ['map', '--output=json', disk2]));
    expect(map.every((m: { data: boolean }) => !m.data)).toBe(true);
  }, 60_000);

  it('is byte-identical when written again', async () => {
    const again = join(dir, 'b.ova');
    await writeOva(raw, again, {
      base: BASE,
      vmName: 'ucernvm-prod',
      description: 'uCernVM <prod> & "friends"',
      sourceDateEpoch: EPOCH,
    });
    expect(readFileSync(again).equals(readFileSync(ova))).toBe(true);
  }, 60_000);

  it('refuses a disk the descriptor does not reference, and control characters in values', () => {
    const ovf = ovfDescriptor({
      name: 'x',
      description: 'd',
      disks: [{ file: 'a.vmdk', fileSize: 512, capacity: 512 }],
    });
    const disks = [{ name: 'b.vmdk', data: new Uint8Array(512), capacity: 512 }];
    expect(() => ovaArchive({ base: 'x', ovf, disks, sourceDateEpoch: EPOCH })).toThrow(
      /b\.vmdk is not referenced/,
    );
    expect(() => xmlEscape('a\u0001b')).toThrow(/control characters/);
    expect(() => ovfDescriptor({ name: 'x', description: 'd', disks: [] })).toThrow(/1 to 30/);
  });
});
