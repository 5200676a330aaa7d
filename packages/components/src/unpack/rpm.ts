import { readCpioNewc } from './cpio-newc.js';
import { decompress, sniffCompression } from './decompress.js';
import type { ArchiveEntry } from './entry.js';
import { HINT_CORRUPT, UnpackError } from './errors.js';
import { RPMTAG, type RpmHeader, readRpmHeader, stringTag } from './rpm-header.js';
import { LEAD_SIZE, readRpmLead } from './rpm-lead.js';

export interface RpmPackage {
  /** NAME-VERSION-RELEASE.ARCH from the main header. */
  nevra: string;
  signature: RpmHeader;
  header: RpmHeader;
  compressor: string;
  entries: ArchiveEntry[];
}

const SNIFFED: Record<string, string> = {
  gzip: 'gzip',
  xz: 'xz',
  zstd: 'zstd',
  bzip2: 'bzip2',
  lzma: 'lzma',
};

/**
 * Read an rpm: lead (96 bytes), signature header padded to 8 bytes, main header, then the
 * payload compressed as the PAYLOADCOMPRESSOR tag says (default gzip) holding a newc cpio.
 */
export async function readRpm(bytes: Uint8Array, archive = 'archive'): Promise<RpmPackage> {
  readRpmLead(bytes, archive);
  const signature = readRpmHeader(bytes, LEAD_SIZE, archive, 'signature');
  const headerAt = LEAD_SIZE + Math.ceil(signature.length / 8) * 8;
  const header = readRpmHeader(bytes, headerAt, archive, 'main');
  const format = stringTag(header, RPMTAG.PAYLOADFORMAT) ?? 'cpio';
  if (format !== 'cpio') {
    throw new UnpackError(
      'UNPACK_UNSUPPORTED',
      archive,
      undefined,
      `rpm payload format ${JSON.stringify(format)} is not supported`,
      'use an rpm with a cpio payload',
    );
  }
  const compressor = stringTag(header, RPMTAG.PAYLOADCOMPRESSOR) ?? 'gzip';
  const payload = bytes.subarray(headerAt + header.length);
  const sniffed = sniffCompression(payload);
  const expected = sniffed === 'none' ? 'none' : SNIFFED[sniffed];
  if (expected !== compressor && !(compressor === 'lzma' && sniffed === 'xz')) {
    throw new UnpackError(
      'UNPACK_MALFORMED',
      archive,
      'payload',
      `header says ${JSON.stringify(compressor)} compression but the payload looks like ${sniffed}`,
      HINT_CORRUPT,
    );
  }
  const cpio = await decompress(payload, archive, 'payload');
  const name = stringTag(header, RPMTAG.NAME) ?? '?';
  const nevra = `${name}-${stringTag(header, RPMTAG.VERSION) ?? '?'}-${stringTag(header, RPMTAG.RELEASE) ?? '?'}.${stringTag(header, RPMTAG.ARCH) ?? '?'}`;
  return {
    nevra,
    signature,
    header,
    compressor,
    entries: readCpioNewc(cpio, `${archive}: payload`),
  };
}
