// Quoted-printable leaf decoding (userdata.md §4.3.1).
import { CR, isWs, LF } from './text.js';

const EQUALS = 0x3d;

const hexValue = (c: number | undefined): number => {
  if (c === undefined) return -1;
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
};

/**
 * Per encoded line (terminator LF or CRLF): trailing WS removed; a final `=` is a soft break
 * (the `=` and the terminator vanish); `=HH` (either case) is that byte; any other `=` and every
 * other byte are copied; the terminator is kept.
 */
export function decodeQuotedPrintable(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length); // decoding never grows the text
  let o = 0;
  let pos = 0;
  while (pos < bytes.length) {
    const lf = bytes.indexOf(LF, pos);
    const next = lf < 0 ? bytes.length : lf + 1;
    let end = lf < 0 ? bytes.length : lf;
    const termStart = lf > pos && bytes[lf - 1] === CR ? lf - 1 : end;
    end = termStart;
    while (end > pos && isWs(bytes[end - 1])) end--;
    const soft = end > pos && bytes[end - 1] === EQUALS;
    if (soft) end--;
    for (let i = pos; i < end; i++) {
      const c = bytes[i] as number;
      if (c === EQUALS && i + 2 < end) {
        const hi = hexValue(bytes[i + 1]);
        const lo = hexValue(bytes[i + 2]);
        if (hi >= 0 && lo >= 0) {
          out[o++] = (hi << 4) | lo;
          i += 2;
          continue;
        }
      }
      out[o++] = c;
    }
    if (!soft) for (let i = termStart; i < next; i++) out[o++] = bytes[i] as number;
    pos = next;
  }
  return out.subarray(0, o);
}
