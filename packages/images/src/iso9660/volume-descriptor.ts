import { ImagesError } from '../errors.js';
import { utcParts } from '../util/time.js';
import { BLOCK, both16, both32 } from './both-endian.js';

// ECMA-119 §8 volume descriptors, one 2048-byte block each from LBA 16.
// Primary (§8.4):
//   0 type 1  1 "CD001"  6 version 1  8 system id (32)  40 volume id (32)  80 volume space size
//   (both, 8)  120 volume set size (both, 4)  124 volume sequence number (both, 4)  128 logical
//   block size (both, 4)  132 path table size (both, 8)  140 type-L path table LBA (LE)
//   144 optional type-L  148 type-M path table LBA (BE)  152 optional type-M
//   156 root directory record (34)  190 volume set id (128)  318 publisher (128)
//   446 data preparer (128)  574 application (128)  702 copyright file (37)  739 abstract
//   file (37)  776 bibliographic file (37)  813 creation date (17)  830 modification date
//   847 expiration date  864 effective date  881 file structure version 1
// El Torito boot record (El Torito 1.0 §2.0):
//   0 type 0  1 "CD001"  6 version 1  7 "EL TORITO SPECIFICATION" (32, zero padded)
//   71 boot catalog LBA (LE, 4)
// Terminator (§8.3): 0 type 255  1 "CD001"  6 version 1.

function header(type: number): Buffer {
  const b = Buffer.alloc(BLOCK);
  b[0] = type;
  b.write('CD001', 1, 'latin1');
  b[6] = 1;
  return b;
}

/** §8.4.26.1 17-byte date "YYYYMMDDHHMMSScc" + GMT offset, here always UTC. */
export function date17(epoch: number | undefined): Buffer {
  if (epoch === undefined)
    return Buffer.concat([Buffer.from('0000000000000000', 'latin1'), Buffer.from([0])]);
  const p = utcParts(epoch);
  const t = `${p.year}${[p.month, p.day, p.hour, p.minute, p.second].map((v) => String(v).padStart(2, '0')).join('')}00`;
  return Buffer.concat([Buffer.from(t, 'latin1'), Buffer.from([0])]);
}

function field(b: Buffer, at: number, len: number, s: string) {
  b.write(s.padEnd(len, ' ').slice(0, len), at, 'latin1');
}

export function checkVolumeId(id: string): string {
  if (!/^[A-Z0-9_]{1,32}$/.test(id)) {
    throw new ImagesError(
      'ISO_BAD_VOLUME_ID',
      `ISO volume id ${JSON.stringify(id)} must be 1..32 of A-Z 0-9 _`,
      'for example "UCERNVM"',
    );
  }
  return id;
}

export function primaryVolumeDescriptor(o: {
  volumeId: string;
  systemId: string;
  applicationId: string;
  publisher: string;
  totalBlocks: number;
  pathTableSize: number;
  pathTableL: number;
  pathTableM: number;
  rootRecord: Buffer;
  epoch: number;
}): Buffer {
  const b = header(1);
  field(b, 8, 32, o.systemId);
  field(b, 40, 32, checkVolumeId(o.volumeId));
  both32(b, o.totalBlocks, 80);
  both16(b, 1, 120);
  both16(b, 1, 124);
  both16(b, BLOCK, 128);
  both32(b, o.pathTableSize, 132);
  b.writeUInt32LE(o.pathTableL, 140);
  b.writeUInt32BE(o.pathTableM, 148);
  o.rootRecord.copy(b, 156);
  field(b, 190, 128, '');
  field(b, 318, 128, o.publisher);
  field(b, 446, 128, '');
  field(b, 574, 128, o.applicationId);
  field(b, 702, 37, '');
  field(b, 739, 37, '');
  field(b, 776, 37, '');
  date17(o.epoch).copy(b, 813);
  date17(o.epoch).copy(b, 830);
  date17(undefined).copy(b, 847);
  date17(undefined).copy(b, 864);
  b[881] = 1;
  return b;
}

export function bootRecord(catalogLba: number): Buffer {
  const b = header(0);
  b.write('EL TORITO SPECIFICATION', 7, 'latin1');
  b.writeUInt32LE(catalogLba, 71);
  return b;
}

export const terminator = () => header(255);

export interface ParsedPvd {
  volumeId: string;
  totalBlocks: number;
  rootLba: number;
  rootSize: number;
  modificationDate: string;
}

export function readPvd(block: Uint8Array): ParsedPvd {
  const b = Buffer.from(block.buffer, block.byteOffset, BLOCK);
  if (b[0] !== 1 || b.toString('latin1', 1, 6) !== 'CD001') {
    throw new ImagesError(
      'ISO_NO_PVD',
      'no primary volume descriptor at LBA 16',
      'is this an ISO 9660 image?',
      1,
    );
  }
  return {
    volumeId: b.toString('latin1', 40, 72).trimEnd(),
    totalBlocks: b.readUInt32LE(80),
    rootLba: b.readUInt32LE(156 + 2),
    rootSize: b.readUInt32LE(156 + 10),
    modificationDate: b.toString('latin1', 830, 846),
  };
}
