import { readAr } from './ar.js';
import { decompress } from './decompress.js';
import type { ArchiveEntry } from './entry.js';
import { HINT_CORRUPT, UnpackError } from './errors.js';
import { readTar } from './tar.js';

const DATA_MEMBER = /^data\.tar(\.(gz|xz|zst|bz2|lzma))?$/;

/**
 * Read the file-system payload of a Debian binary package (deb(5)): an ar archive whose
 * first member is `debian-binary` ("2.x\n"), then `control.tar[.*]`, then `data.tar[.*]`.
 */
export async function readDeb(bytes: Uint8Array, archive = 'archive'): Promise<ArchiveEntry[]> {
  const members = readAr(bytes, archive);
  const version = members[0];
  if (version?.name !== 'debian-binary') {
    throw new UnpackError(
      'UNPACK_MALFORMED',
      archive,
      members[0]?.name,
      'first ar member is not "debian-binary"; not a .deb',
      HINT_CORRUPT,
    );
  }
  const text = new TextDecoder().decode(version.data);
  if (!/^2\.\d+\n/.test(text)) {
    throw new UnpackError(
      'UNPACK_UNSUPPORTED',
      archive,
      'debian-binary',
      `deb format ${JSON.stringify(text.trim())} is not supported`,
      'use a .deb of format 2.x (every Debian package since 1995)',
    );
  }
  const data = members.find((m) => DATA_MEMBER.test(m.name));
  if (data === undefined) {
    throw new UnpackError(
      'UNPACK_MALFORMED',
      archive,
      undefined,
      'no data.tar member in the .deb',
      HINT_CORRUPT,
    );
  }
  const tar = await decompress(data.data, archive, data.name);
  return readTar(tar, `${archive}: ${data.name}`);
}
