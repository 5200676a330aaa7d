// Byte-level text helpers shared by the parser and the reader (userdata.md §1, §4.4, §5.2).

export const LF = 0x0a;
export const CR = 0x0d;
const SP = 0x20;
const TAB = 0x09;

/** `WS` of §1: SP or TAB only. */
export const isWs = (c: number | undefined): boolean => c === SP || c === TAB;

/** §5.2 check 1: bytes 0x00–0x08, 0x0A–0x1F and 0x7F (TAB is allowed). */
export const isControlByte = (c: number): boolean => (c < 0x20 && c !== TAB) || c === 0x7f;

/**
 * RFC 3629 UTF-8 validity (no overlong forms, no surrogates, nothing above U+10FFFF) of
 * `bytes[start, end)`.
 */
export function isValidUtf8(bytes: Uint8Array, start = 0, end = bytes.length): boolean {
  let i = start;
  while (i < end) {
    const b0 = bytes[i] as number;
    if (b0 < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (b0 >= 0xc2 && b0 <= 0xdf) need = 1;
    else if (b0 >= 0xe0 && b0 <= 0xef) {
      need = 2;
      if (b0 === 0xe0) lo = 0xa0; // overlong
      if (b0 === 0xed) hi = 0x9f; // surrogates
    } else if (b0 >= 0xf0 && b0 <= 0xf4) {
      need = 3;
      if (b0 === 0xf0) lo = 0x90; // overlong
      if (b0 === 0xf4) hi = 0x8f; // above U+10FFFF
    } else return false;
    if (i + need >= end) return false; // truncated sequence
    const b1 = bytes[i + 1] as number;
    if (b1 < lo || b1 > hi) return false;
    for (let k = 2; k <= need; k++) {
      const b = bytes[i + k] as number;
      if (b < 0x80 || b > 0xbf) return false;
    }
    i += need + 1;
  }
  return true;
}

/** §5.2 checks 1–2 on one line (without its terminator); null when the line passes both. */
export function checkEntryLine(bytes: Uint8Array): 'W_CONTROL_CHAR' | 'W_BAD_UTF8' | null {
  for (let i = 0; i < bytes.length; i++) {
    if (isControlByte(bytes[i] as number)) return 'W_CONTROL_CHAR';
  }
  return isValidUtf8(bytes) ? null : 'W_BAD_UTF8';
}

/** Same as {@link checkEntryLine} for a JS string (lone surrogates are not UTF-8). */
export function checkEntryString(value: string): 'W_CONTROL_CHAR' | 'W_BAD_UTF8' | null {
  for (let i = 0; i < value.length; i++) {
    if (isControlByte(value.charCodeAt(i))) return 'W_CONTROL_CHAR';
  }
  return isWellFormedUtf16(value) ? null : 'W_BAD_UTF8';
}

/** True when `s` has no lone surrogate, i.e. it encodes to UTF-8 without replacement. */
export function isWellFormedUtf16(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xd800 || c > 0xdfff) continue;
    if (c > 0xdbff) return false;
    const next = s.charCodeAt(i + 1);
    if (!(next >= 0xdc00 && next <= 0xdfff)) return false;
    i++;
  }
  return true;
}

/** `bytes[start, end)` with leading and trailing WS removed. */
export function trimWs(bytes: Uint8Array, start = 0, end = bytes.length): Uint8Array {
  let s = start;
  let e = end;
  while (s < e && isWs(bytes[s])) s++;
  while (e > s && isWs(bytes[e - 1])) e--;
  return bytes.subarray(s, e);
}

const BOM = [0xef, 0xbb, 0xbf] as const;

export const hasBom = (bytes: Uint8Array, at = 0): boolean =>
  bytes[at] === BOM[0] && bytes[at + 1] === BOM[1] && bytes[at + 2] === BOM[2];

/** Removes one leading UTF-8 BOM (§4.4, §9.2, §10). */
export const stripBom = (bytes: Uint8Array): Uint8Array =>
  hasBom(bytes) ? bytes.subarray(3) : bytes;

/**
 * §4.4: remove one leading BOM, treat CRLF and lone CR as LF, split at LF. A final LF does not
 * start another line; a last line without LF is a line. Lines are views into `bytes`.
 */
export function splitLines(bytes: Uint8Array): Uint8Array[] {
  const text = stripBom(bytes);
  const lines: Uint8Array[] = [];
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === LF || c === CR) {
      lines.push(text.subarray(start, i));
      if (c === CR && text[i + 1] === LF) i++;
      start = i + 1;
    }
  }
  if (start < text.length) lines.push(text.subarray(start));
  return lines;
}

/** Maps ASCII A–Z to a–z and nothing else (§1 "lower-casing"). */
export function asciiLower(s: string): string {
  return s.replace(/[A-Z]+/g, (m) => m.toLowerCase());
}

const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });

/** Decodes bytes already known to be valid UTF-8 (a leading U+FEFF is kept). */
export const decodeUtf8 = (bytes: Uint8Array): string => utf8.decode(bytes);

/** Bytes as a string of code units 0–255, for byte-exact pattern matching. */
export const latin1 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('latin1');

/** Number of UTF-8 bytes of `s`. */
export const utf8Length = (s: string): number => Buffer.byteLength(s, 'utf8');
