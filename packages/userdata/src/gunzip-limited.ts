// gunzip with an output cap (userdata.md §8: inject archives expand to at most 256 MiB).
import { gunzipSync } from 'node:zlib';

export type GunzipResult =
  | { ok: true; data: Uint8Array }
  | { ok: false; reason: 'corrupt' | 'too large' };

/**
 * Decompresses a gzip stream (concatenated members allowed; zlib stops at trailing zero bytes
 * and fails on other trailing bytes). zlib refuses to produce more than `limit` bytes.
 */
export function gunzipLimited(bytes: Uint8Array, limit: number): GunzipResult {
  try {
    return { ok: true, data: gunzipSync(bytes, { maxOutputLength: limit }) };
  } catch (error) {
    const tooLarge = (error as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE';
    return { ok: false, reason: tooLarge ? 'too large' : 'corrupt' };
  }
}
