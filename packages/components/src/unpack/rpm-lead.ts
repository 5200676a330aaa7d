import { HINT_CORRUPT, UnpackError } from './errors.js';

// RPM lead, 96 bytes (rpm file format, "Package File Format" in the rpm docs):
// magic[4] @0 = ED AB EE DB, major @4, minor @5, type[2] @6 (0 binary, 1 source),
// archnum[2] @8, name[66] @10, osnum[2] @76, signature_type[2] @78 (5 = header-style), reserved[16] @80.
export const LEAD_SIZE = 96;
export const RPM_MAGIC = [0xed, 0xab, 0xee, 0xdb];

export interface RpmLead {
  major: number;
  minor: number;
  type: 'binary' | 'source';
  name: string;
  signatureType: number;
}

export function readRpmLead(bytes: Uint8Array, archive: string): RpmLead {
  if (bytes.length < LEAD_SIZE || RPM_MAGIC.some((m, i) => bytes[i] !== m)) {
    throw new UnpackError(
      'UNPACK_MALFORMED',
      archive,
      undefined,
      'not an rpm package (no lead magic ED AB EE DB)',
      HINT_CORRUPT,
    );
  }
  const major = bytes[4] ?? 0;
  const signatureType = ((bytes[78] ?? 0) << 8) | (bytes[79] ?? 0);
  if (major < 3 || signatureType !== 5) {
    throw new UnpackError(
      'UNPACK_UNSUPPORTED',
      archive,
      undefined,
      `rpm format ${major}.${bytes[5]} with signature type ${signatureType} is not supported`,
      'use an rpm of format 3 or 4 (any rpm built since 1998)',
    );
  }
  const nameBytes = bytes.subarray(10, 76);
  const nul = nameBytes.indexOf(0);
  return {
    major,
    minor: bytes[5] ?? 0,
    type: bytes[7] === 1 ? 'source' : 'binary',
    name: new TextDecoder('latin1').decode(nul < 0 ? nameBytes : nameBytes.subarray(0, nul)),
    signatureType,
  };
}
