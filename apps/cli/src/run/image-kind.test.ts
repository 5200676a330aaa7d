import { describe, expect, it } from 'vitest';
import { CliError } from '../errors.js';
import { HEAD_BYTES, imageKind } from './image-kind.js';

const head = (at: number, text: string, size = HEAD_BYTES): Uint8Array => {
  const b = new Uint8Array(size);
  b.set(Buffer.from(text, 'latin1'), at);
  return b;
};
const none = new Uint8Array(512);
const iso = head(0x8001, 'CD001');

describe('imageKind', () => {
  it('attaches ISOs as CD-ROMs, by extension or by the CD001 identifier', () => {
    expect(imageKind('a.iso', iso, none)).toEqual({ attach: 'cdrom' });
    expect(imageKind('noext', iso, none)).toEqual({ attach: 'cdrom' });
  });

  it('attaches .hdd/.hvm/.img and unknown files without a signature as raw disks', () => {
    for (const n of ['a.hdd', 'a.hvm', 'a.img', 'plain']) {
      expect(imageKind(n, head(0, ''), none)).toEqual({ attach: 'disk', format: 'raw' });
    }
  });

  it('finds qcow2, VDI, VMDK and VHD by signature, whatever the name', () => {
    const vdi = new Uint8Array(HEAD_BYTES);
    Buffer.from(vdi.buffer).writeUInt32LE(0xbeda107f, 0x40);
    expect(imageKind('x.qcow2', head(0, 'QFI\xfb'), none)).toEqual({
      attach: 'disk',
      format: 'qcow2',
    });
    expect(imageKind('x.vdi', vdi, none)).toEqual({ attach: 'disk', format: 'vdi' });
    expect(imageKind('x.vmdk', head(0, 'KDMV'), none)).toEqual({ attach: 'disk', format: 'vmdk' });
    expect(imageKind('x.vhd', head(0, ''), head(0, 'conectix', 512))).toEqual({
      attach: 'disk',
      format: 'vpc',
    });
    expect(imageKind('disk.img', head(0, 'QFI\xfb'), none)).toEqual({
      attach: 'disk',
      format: 'qcow2',
    });
  });

  it('refuses a name promising another format, a fake ISO and archives (exit 2, with a hint)', () => {
    const cases: [string, Uint8Array, RegExp][] = [
      ['x.qcow2', head(0, 'KDMV'), /x\.qcow2 has no qcow2 signature \(it looks like vmdk\)/],
      ['x.vhd', head(0, ''), /x\.vhd has no VHD signature/],
      ['x.iso', head(0, ''), /no ISO 9660 volume descriptor/],
      ['gce.tar.gz', head(0, '\x1f\x8b'), /archive.*/],
      ['a.ova', head(257, 'ustar'), /archive/],
    ];
    for (const [name, h, message] of cases) {
      let error: unknown;
      try {
        imageKind(name, h, none);
      } catch (e) {
        error = e;
      }
      expect(error, name).toBeInstanceOf(CliError);
      expect((error as CliError).message).toMatch(message);
      expect((error as CliError).exitCode).toBe(2);
      expect((error as CliError).hint).toBeTruthy();
    }
  });
});
