// Strict base64 (userdata.md §4.3 item 6, also used by §3.1 and §3.2 item 5).

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Byte → 6-bit value, or -1 when the byte is not in the alphabet. */
const SEXTET = (() => {
  const table = new Int8Array(256).fill(-1);
  for (let i = 0; i < ALPHABET.length; i++) table[ALPHABET.charCodeAt(i)] = i;
  return table;
})();

const isIgnoredWhitespace = (c: number): boolean =>
  c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a;

/**
 * Decodes `text` after removing SP, TAB, CR and LF. The rest must have a length that is a
 * multiple of 4 and match `^[A-Za-z0-9+/]*={0,2}$`; non-zero unused bits in the last group are
 * ignored. Returns null when the text is not such base64 (the empty string decodes to 0 bytes).
 */
export function decodeStrictBase64(text: string): Uint8Array | null {
  const compact: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (!isIgnoredWhitespace(c)) compact.push(c);
  }
  return decodeCompact(compact);
}

/** Same as {@link decodeStrictBase64} but over bytes (no UTF-16 detour for large inputs). */
export function decodeStrictBase64Bytes(bytes: Uint8Array): Uint8Array | null {
  const compact = new Uint8Array(bytes.length);
  let n = 0;
  for (const c of bytes) if (!isIgnoredWhitespace(c)) compact[n++] = c;
  return decodeCompact(compact.subarray(0, n));
}

function decodeCompact(chars: ArrayLike<number>): Uint8Array | null {
  const len = chars.length;
  if (len % 4 !== 0) return null;
  let padding = 0;
  if (len > 0 && chars[len - 1] === 0x3d) padding++;
  if (len > 1 && chars[len - 2] === 0x3d) padding++;
  // Every byte before the padding must be in the alphabet ('=' only at the end, at most two).
  for (let i = 0; i < len - padding; i++)
    if ((SEXTET[chars[i] as number] as number) < 0) return null;
  // "===" (or a lone "=" group) cannot occur: len % 4 == 0 and padding ≤ 2 leave ≥ 2 data sextets.
  const out = new Uint8Array((len / 4) * 3 - padding);
  let o = 0;
  for (let i = 0; i < len; i += 4) {
    const a = SEXTET[chars[i] as number] as number;
    const b = SEXTET[chars[i + 1] as number] as number;
    const c = SEXTET[chars[i + 2] as number] as number;
    const d = SEXTET[chars[i + 3] as number] as number;
    out[o++] = (a << 2) | (b >> 4);
    if (o < out.length) out[o++] = ((b & 0x0f) << 4) | (c < 0 ? 0 : c >> 2);
    if (o < out.length) out[o++] = ((c & 0x03) << 6) | Math.max(d, 0);
  }
  return out;
}
