import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SigningError } from './errors.js';
import {
  encodeBlock,
  encodeMetadataBlock,
  encodeSignatureBlock,
  readTrailers,
  TRAILER_BLOCK_SIZE,
  TRAILER_SIZE,
} from './trailer.js';

/** Deterministic pseudo-random bytes (no Math.random). */
function bytes(n: number, seed = 'image'): Uint8Array {
  const out = new Uint8Array(n);
  let h = createHash('sha256').update(seed).digest();
  for (let i = 0; i < n; i += 32) {
    out.set(h.subarray(0, Math.min(32, n - i)), i);
    h = createHash('sha256').update(h).digest();
  }
  return out;
}

const meta = {
  'ucernvm-version': '2026.11-1.cernvm.x86_64',
  'os-repo': 'cernvm-prod.cern.ch',
  snapshot: 'HEAD',
};
const sig = {
  certificate: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n',
  signature: 'c2lnbmF0dXJl',
  'howto-verify': 'openssl dgst …',
};
const signed = (image: Uint8Array) =>
  Buffer.concat([image, encodeMetadataBlock(meta), encodeSignatureBlock(sig)]);

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(SigningError);
    return `${(e as SigningError).code}: ${(e as Error).message}`;
  }
  return 'no error';
}

describe('trailer layout', () => {
  it('blocks are 32 KiB of pretty JSON then zeros, keys in the original order', () => {
    const m = encodeMetadataBlock(meta);
    expect(m.length).toBe(TRAILER_BLOCK_SIZE);
    const text = Buffer.from(m.subarray(0, m.indexOf(0))).toString();
    expect(text).toBe(
      '{\n  "ucernvm-version": "2026.11-1.cernvm.x86_64",\n  "os-repo": "cernvm-prod.cern.ch",\n  "snapshot": "HEAD"\n}\n',
    );
    expect(m.subarray(text.length).every((b) => b === 0)).toBe(true);
    const s = Buffer.from(encodeSignatureBlock(sig)).toString().replace(/\0+$/, '');
    expect(s.split('\n')[1]).toMatch(/^ {2}"certificate": "-----BEGIN CERTIFICATE-----\\nMIIB/);
    expect(s.split('\n')[2]).toBe('  "signature": "c2lnbmF0dXJl",');
  });

  it('round-trips: image length, metadata and signature read back', () => {
    const image = bytes(100_001);
    const t = readTrailers(signed(image));
    expect(t).toEqual({
      imageLength: 100_001,
      signatureOffset: 100_001 + TRAILER_BLOCK_SIZE,
      metadata: meta,
      signature: sig,
    });
  });

  it('same inputs give the same bytes', () => {
    expect(Buffer.compare(signed(bytes(5000)), signed(bytes(5000)))).toBe(0);
  });

  it('an unsigned file has no trailer: zeros, random bytes, short files', () => {
    expect(readTrailers(new Uint8Array(200_000))).toBeUndefined();
    expect(readTrailers(bytes(200_000))).toBeUndefined();
    expect(readTrailers(new Uint8Array(0))).toBeUndefined();
    expect(readTrailers(Buffer.from('hello'))).toBeUndefined();
    // A JSON tail that is not ours is not a trailer either.
    expect(
      readTrailers(Buffer.concat([bytes(70_000), encodeBlock({ a: 1 }, 'x')])),
    ).toBeUndefined();
  });

  it('a cut trailer is TRAILER_TRUNCATED', () => {
    const full = signed(bytes(100_000));
    // The last bytes of the signature block (its padding and the end of its JSON) are gone.
    const cut = full.subarray(0, full.length - TRAILER_BLOCK_SIZE + 200);
    expect(code(() => readTrailers(cut))).toMatch(
      /^TRAILER_TRUNCATED: a trailer's metadata block starts at offset 100000, but the file ends at 132968, not at 165536/,
    );
    // A signature block whose JSON fills it and never ends.
    const open = Buffer.alloc(TRAILER_BLOCK_SIZE, 0x41);
    open.write('{"certificate": "');
    const noEnd = Buffer.concat([bytes(100_000), encodeMetadataBlock(meta), open]);
    expect(code(() => readTrailers(noEnd))).toMatch(/^TRAILER_TRUNCATED: .*no zero padding/);
    // The signature block is gone entirely: the file ends with the metadata block.
    const noSig = full.subarray(0, full.length - TRAILER_BLOCK_SIZE);
    expect(code(() => readTrailers(noSig))).toMatch(
      /^TRAILER_TRUNCATED: .*signature block after it is missing/,
    );
    // Only the signature block is left.
    const onlySig = full.subarray(full.length - TRAILER_BLOCK_SIZE - 10);
    expect(code(() => readTrailers(onlySig))).toMatch(/^TRAILER_TRUNCATED: .*too short/);
    expect(code(() => readTrailers(encodeSignatureBlock(sig).subarray(0, 1000)))).toMatch(
      /^TRAILER_TRUNCATED: the file is 1000 bytes/,
    );
  });

  it('damaged JSON is TRAILER_BAD_JSON naming the offset', () => {
    const image = bytes(50_000);
    const a = signed(image);
    a[image.length + TRAILER_BLOCK_SIZE + 3] = 0x7d; // '}' inside the signature JSON
    expect(code(() => readTrailers(a))).toMatch(
      /^TRAILER_BAD_JSON: the signature block at offset 82768 is not valid JSON/,
    );
    const b = signed(image);
    b[b.length - 5] = 1; // padding of the signature block
    expect(code(() => readTrailers(b))).toMatch(/non-zero byte in its padding at offset 115531/);
    const c = signed(image);
    c[image.length] = 0x41; // the metadata block no longer opens a JSON object
    expect(code(() => readTrailers(c))).toMatch(
      /^TRAILER_BAD_JSON: no metadata block at offset 50000/,
    );
    const d = Buffer.concat([
      image,
      encodeBlock({ 'os-repo': 'x', snapshot: 'y' }, 'metadata'),
      encodeSignatureBlock(sig),
    ]);
    expect(code(() => readTrailers(d))).toMatch(/has no "ucernvm-version"/);
    const e = Buffer.concat([
      image,
      encodeMetadataBlock(meta),
      encodeBlock({ certificate: 'x', signature: 5 }, 's'),
    ]);
    expect(code(() => readTrailers(e))).toMatch(/has a bad "signature" \(5\)/);
  });

  it('refuses blocks that would not fit and empty metadata', () => {
    expect(
      code(() => encodeSignatureBlock({ ...sig, certificate: 'x'.repeat(TRAILER_BLOCK_SIZE) })),
    ).toMatch(/^BLOCK_TOO_LARGE: the signature block's JSON is 3\d+ bytes/);
    expect(code(() => encodeMetadataBlock({ ...meta, snapshot: '' }))).toMatch(
      /^METADATA_INVALID: .*"snapshot"/,
    );
    expect(TRAILER_SIZE).toBe(65536);
  });
});
