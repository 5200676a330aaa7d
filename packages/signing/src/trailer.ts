import { SigningError } from './errors.js';

/**
 * The signature trailer of a µCernVM iso or hdd (build.md §7 "Signing"), the original's layout:
 *
 *   offset 0          image bytes                          N bytes, unchanged
 *   offset N          metadata block   32768 bytes         JSON text (UTF-8), then zero bytes
 *   offset N+32768    signature block  32768 bytes         JSON text (UTF-8), then zero bytes
 *   offset N+65536    end of file
 *
 * The metadata block holds `ucernvm-version`, `os-repo`, `snapshot`; the signature block holds
 * `certificate` (PEM: the signer's certificate, then any intermediates), `signature` (base64)
 * and `howto-verify` (shell steps). What is signed: the bytes [0, N+32768), i.e. the image AND
 * its metadata block, hashed with SHA-256 (see sign.ts). Each JSON text is shorter than its
 * block, so a block always ends in at least one zero byte: a block with no zero byte was cut.
 */

export const TRAILER_BLOCK_SIZE = 32768;
/** Both blocks. */
export const TRAILER_SIZE = 2 * TRAILER_BLOCK_SIZE;

/** The metadata block's JSON (keys as the original writes them). */
export interface TrailerMetadata {
  /** The µCernVM strong version of the image. */
  'ucernvm-version': string;
  /** The CernVM-FS repository the image boots (its branch). */
  'os-repo': string;
  /** The repository tag the image pins, or `HEAD` for the newest. */
  snapshot: string;
}

/** The signature block's JSON. */
export interface SignatureBlock {
  /** PEM: the signing certificate first, then intermediates (if any). */
  certificate: string;
  /** Base64 of the signature over the image and the metadata block. */
  signature: string;
  /** Shell steps that verify the file by hand with openssl (howto.ts). */
  'howto-verify': string;
}

export interface Trailers {
  /** N: the length of the image before the trailer; the metadata block starts here. */
  imageLength: number;
  /** Offset of the signature block (N + 32768); the signed bytes are [0, this). */
  signatureOffset: number;
  metadata: TrailerMetadata;
  signature: SignatureBlock;
}

const utf8 = new TextEncoder();

/** One zero-padded block holding `value` as pretty JSON (one key per line, in the given order). */
export function encodeBlock(value: object, what: string): Uint8Array {
  const text = utf8.encode(`${JSON.stringify(value, null, 2)}\n`);
  if (text.length >= TRAILER_BLOCK_SIZE) {
    throw new SigningError(
      'BLOCK_TOO_LARGE',
      `the ${what} block's JSON is ${text.length} bytes; it must be shorter than ${TRAILER_BLOCK_SIZE}`,
      what === 'signature'
        ? 'use a certificate chain with fewer or smaller certificates'
        : 'shorten the metadata values',
      2,
    );
  }
  const block = new Uint8Array(TRAILER_BLOCK_SIZE);
  block.set(text, 0);
  return block;
}

export function encodeMetadataBlock(meta: TrailerMetadata): Uint8Array {
  for (const k of ['ucernvm-version', 'os-repo', 'snapshot'] as const) {
    if (typeof meta[k] !== 'string' || meta[k].length === 0) {
      throw new SigningError(
        'METADATA_INVALID',
        `trailer metadata "${k}" is ${JSON.stringify(meta[k])}; a non-empty string is needed`,
        'pass the strong version, the repository and the tag (or HEAD)',
        2,
      );
    }
  }
  return encodeBlock(
    {
      'ucernvm-version': meta['ucernvm-version'],
      'os-repo': meta['os-repo'],
      snapshot: meta.snapshot,
    },
    'metadata',
  );
}

export function encodeSignatureBlock(sig: SignatureBlock): Uint8Array {
  return encodeBlock(
    { certificate: sig.certificate, signature: sig.signature, 'howto-verify': sig['howto-verify'] },
    'signature',
  );
}

/** True when a block could be one of ours: its first non-blank byte opens a JSON object. */
function looksLikeBlock(block: Uint8Array): boolean {
  for (const b of block) {
    if (b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09) continue;
    return b === 0x7b; // '{'
  }
  return false;
}

/** The JSON object of the block found at `offset` (for messages). */
function decodeBlock(block: Uint8Array, offset: number, what: string): Record<string, unknown> {
  const nul = block.indexOf(0);
  const text = new TextDecoder('utf-8', { fatal: false }).decode(
    nul < 0 ? block : block.subarray(0, nul),
  );
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    if (nul < 0) {
      throw new SigningError(
        'TRAILER_TRUNCATED',
        `the ${what} block at offset ${offset} has no zero padding and its JSON does not end: the trailer was cut`,
        'download the image again; compare with its .sha256',
      );
    }
    throw new SigningError(
      'TRAILER_BAD_JSON',
      `the ${what} block at offset ${offset} is not valid JSON (${(e as Error).message})`,
      'the trailer is damaged: download the image again',
    );
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new SigningError(
      'TRAILER_BAD_JSON',
      `the ${what} block at offset ${offset} holds ${JSON.stringify(parsed)}, not a JSON object`,
      'the trailer is damaged: download the image again',
    );
  }
  const extra = nul < 0 ? -1 : block.findIndex((b, i) => i > nul && b !== 0);
  if (extra >= 0) {
    throw new SigningError(
      'TRAILER_BAD_JSON',
      `the ${what} block at offset ${offset} has a non-zero byte in its padding at offset ${offset + extra}`,
      'the trailer is damaged: download the image again',
    );
  }
  return parsed as Record<string, unknown>;
}

function stringField(obj: Record<string, unknown>, key: string, what: string, offset: number) {
  const v = obj[key];
  if (typeof v !== 'string' || v.length === 0) {
    throw new SigningError(
      'TRAILER_BAD_JSON',
      `the ${what} block at offset ${offset} has ${v === undefined ? 'no' : 'a bad'} "${key}" (${JSON.stringify(v) ?? 'missing'}); a non-empty string is needed`,
      'the trailer is damaged or not a µCernVM signature trailer',
    );
  }
  return v;
}

/**
 * Throws TRAILER_TRUNCATED when the last 64 KiB hold the start of a metadata block that is not
 * where a complete trailer would put it (a download cut inside the trailer).
 */
function cutTrailer(bytes: Uint8Array): void {
  const from = Math.max(0, bytes.length - TRAILER_SIZE);
  const tail = Buffer.from(bytes.buffer, bytes.byteOffset + from, bytes.length - from);
  const at = tail.toString('latin1').search(/\{\s*"ucernvm-version"/);
  if (at < 0) return;
  const start = from + at;
  throw new SigningError(
    'TRAILER_TRUNCATED',
    `a trailer's metadata block starts at offset ${start}, but the file ends at ${bytes.length}, not at ${start + TRAILER_SIZE}: the trailer was cut`,
    'download the image again; compare with its .sha256',
  );
}

/**
 * The trailers at the end of `bytes`, or undefined when the file does not end with a signature
 * block (an unsigned image). Throws TRAILER_TRUNCATED / TRAILER_BAD_JSON for a damaged one.
 */
export function readTrailers(bytes: Uint8Array): Trailers | undefined {
  const n = bytes.length;
  const sigOffset = Math.max(0, n - TRAILER_BLOCK_SIZE);
  const sigBlock = bytes.subarray(sigOffset);
  if (!looksLikeBlock(sigBlock)) {
    cutTrailer(bytes);
    return undefined;
  }
  if (n < TRAILER_BLOCK_SIZE) {
    // A JSON object that ends the file but is shorter than a block: a cut trailer.
    const nul = sigBlock.indexOf(0);
    const head = new TextDecoder().decode(sigBlock.subarray(0, nul < 0 ? 256 : Math.min(nul, 256)));
    if (!/"(signature|certificate|ucernvm-version)"/.test(head)) return undefined;
    throw new SigningError(
      'TRAILER_TRUNCATED',
      `the file is ${n} bytes, shorter than one ${TRAILER_BLOCK_SIZE}-byte trailer block, yet ends in trailer JSON`,
      'download the image again; compare with its .sha256',
    );
  }
  const sigJson = decodeBlock(sigBlock, sigOffset, 'signature');
  if (!('signature' in sigJson) && !('certificate' in sigJson)) {
    if ('ucernvm-version' in sigJson) {
      throw new SigningError(
        'TRAILER_TRUNCATED',
        `the file ends with a metadata block at offset ${sigOffset}; the signature block after it is missing`,
        'download the image again; compare with its .sha256',
      );
    }
    return undefined; // some other JSON-looking tail: not a trailer of ours
  }
  const signature: SignatureBlock = {
    certificate: stringField(sigJson, 'certificate', 'signature', sigOffset),
    signature: stringField(sigJson, 'signature', 'signature', sigOffset),
    'howto-verify': typeof sigJson['howto-verify'] === 'string' ? sigJson['howto-verify'] : '',
  };
  if (n < TRAILER_SIZE) {
    throw new SigningError(
      'TRAILER_TRUNCATED',
      `the file is ${n} bytes: too short for a metadata block before its signature block`,
      'download the image again; compare with its .sha256',
    );
  }
  const metaOffset = n - TRAILER_SIZE;
  const metaBlock = bytes.subarray(metaOffset, sigOffset);
  if (!looksLikeBlock(metaBlock)) {
    throw new SigningError(
      'TRAILER_BAD_JSON',
      `no metadata block at offset ${metaOffset} before the signature block`,
      'the trailer is damaged: download the image again',
    );
  }
  const metaJson = decodeBlock(metaBlock, metaOffset, 'metadata');
  const metadata: TrailerMetadata = {
    'ucernvm-version': stringField(metaJson, 'ucernvm-version', 'metadata', metaOffset),
    'os-repo': stringField(metaJson, 'os-repo', 'metadata', metaOffset),
    snapshot: stringField(metaJson, 'snapshot', 'metadata', metaOffset),
  };
  return { imageLength: metaOffset, signatureOffset: sigOffset, metadata, signature };
}
