// OpenNebula context.sh envelope (userdata.md §3.2): the file is parsed as data, never sourced.
import { decodeStrictBase64Bytes } from './base64.js';

export interface OpenNebulaWarning {
  code: 'O_SYNTAX' | 'O_EXPANSION' | 'O_BASE64' | 'O_TOO_LARGE';
  /** First line of the statement; 0 for O_BASE64 and O_TOO_LARGE (§14). */
  line: number;
}

export interface OpenNebulaResult {
  /** Variables that were assigned (last assignment wins), values decoded as UTF-8. */
  vars: Map<string, string>;
  /** The user data of §3.2 item 5. */
  userData: Uint8Array;
  warnings: OpenNebulaWarning[];
}

/** §13: context.sh limit. */
const MAX_CONTEXT_BYTES = 24 * 1024 * 1024;

const LF = 0x0a;
const QUOTE = 0x27; // '
const DQUOTE = 0x22; // "
const BACKSLASH = 0x5c;
const HASH = 0x23;
const EQUALS = 0x3d;
/** Unquoted `$ \` ( ) ; & | < >` reject the statement (§3.2 item 3). */
const SHELL_SPECIAL = new Set([0x24, 0x60, 0x28, 0x29, 0x3b, 0x26, 0x7c, 0x3c, 0x3e]);

const isWs = (c: number | undefined): boolean => c === 0x20 || c === 0x09;
const isNameStart = (c: number): boolean =>
  (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f;
const isNameByte = (c: number): boolean => isNameStart(c) || (c >= 0x30 && c <= 0x39);
const EXPORT = [0x65, 0x78, 0x70, 0x6f, 0x72, 0x74]; // "export"

const utf8 = new TextDecoder('utf-8');

/** CRLF → LF (§3.2 item 1); a lone CR stays a literal byte. */
function crlfToLf(input: Uint8Array): Uint8Array {
  const out = new Uint8Array(input.length);
  let n = 0;
  for (let i = 0; i < input.length; i++) {
    const c = input[i] as number;
    if (c === 0x0d && input[i + 1] === LF) continue;
    out[n++] = c;
  }
  return out.subarray(0, n);
}

/** Outcome of reading one value (§3.2 item 3). */
type ValueScan =
  | { kind: 'value'; bytes: Uint8Array; end: number; expansion: boolean }
  | { kind: 'reject'; at: number; expansion: boolean }
  | { kind: 'unterminated'; expansion: boolean };

/** Append-only byte buffer: values can be megabytes (user data), so no number[]. */
class ByteSink {
  private buf = new Uint8Array(64);
  private n = 0;
  push(byte: number): void {
    if (this.n === this.buf.length) this.grow(this.n + 1);
    this.buf[this.n++] = byte;
  }
  private grow(need: number): void {
    const grown = new Uint8Array(Math.max(this.buf.length * 2, need));
    grown.set(this.buf.subarray(0, this.n));
    this.buf = grown;
  }
  pushRange(src: Uint8Array, from: number, to: number): void {
    const part = src.subarray(from, to);
    if (this.n + part.length > this.buf.length) this.grow(this.n + part.length);
    this.buf.set(part, this.n);
    this.n += part.length;
  }
  bytes(): Uint8Array {
    return this.buf.slice(0, this.n);
  }
}

function scanValue(s: Uint8Array, start: number): ValueScan {
  const bytes = new ByteSink();
  let expansion = false;
  let i = start;
  while (i < s.length) {
    const c = s[i] as number;
    if (isWs(c) || c === LF) break;
    if (c === QUOTE) {
      const close = s.indexOf(QUOTE, i + 1);
      if (close < 0) return { kind: 'unterminated', expansion };
      bytes.pushRange(s, i + 1, close);
      i = close + 1;
    } else if (c === DQUOTE) {
      i++;
      for (;;) {
        if (i >= s.length) return { kind: 'unterminated', expansion };
        const d = s[i] as number;
        if (d === DQUOTE) break;
        if (d === BACKSLASH && i + 1 < s.length) {
          const e = s[i + 1] as number;
          if (e === DQUOTE || e === BACKSLASH || e === 0x24 || e === 0x60) bytes.push(e);
          else if (e !== LF) {
            bytes.push(d);
            bytes.push(e);
          }
          i += 2;
          continue;
        }
        if (d === 0x24 || d === 0x60) expansion = true;
        bytes.push(d);
        i++;
      }
      i++;
    } else if (c === BACKSLASH && i + 1 < s.length) {
      const e = s[i + 1] as number;
      if (e !== LF) bytes.push(e);
      i += 2;
    } else if (SHELL_SPECIAL.has(c)) {
      return { kind: 'reject', at: i, expansion };
    } else {
      bytes.push(c);
      i++;
    }
  }
  return { kind: 'value', bytes: bytes.bytes(), end: i, expansion };
}

/** Parses `context.sh` bytes statement by statement (§3.2 items 1–5). Never throws. */
export function parseOpenNebulaContext(input: Uint8Array): OpenNebulaResult {
  const warnings: OpenNebulaWarning[] = [];
  const raw = new Map<string, Uint8Array>();
  if (input.length > MAX_CONTEXT_BYTES) {
    warnings.push({ code: 'O_TOO_LARGE', line: 0 });
    return { vars: new Map(), userData: new Uint8Array(0), warnings };
  }
  const s = crlfToLf(input);
  let pos = 0;
  let line = 1;
  /** Line number of byte offset `to`, counting LFs from `pos` (monotonic). */
  const advance = (to: number): void => {
    for (let k = pos; k < to && k < s.length; k++) if (s[k] === LF) line++;
    pos = to;
  };
  /** Skips to just after the LF ending the line that holds offset `at` (or to the end). */
  const skipLine = (at: number): void => {
    const lf = s.indexOf(LF, at);
    advance(lf < 0 ? s.length : lf + 1);
  };

  while (pos < s.length) {
    const first = line;
    let i = pos;
    while (isWs(s[i])) i++;
    if (i >= s.length || s[i] === LF || s[i] === HASH) {
      skipLine(i);
      continue;
    }
    if (EXPORT.every((b, k) => s[i + k] === b) && isWs(s[i + EXPORT.length])) {
      i += EXPORT.length;
      while (isWs(s[i])) i++;
    }
    const nameStart = i;
    if (isNameStart(s[i] as number)) {
      i++;
      while (i < s.length && isNameByte(s[i] as number)) i++;
    }
    if (i === nameStart || s[i] !== EQUALS) {
      warnings.push({ code: 'O_SYNTAX', line: first });
      skipLine(i);
      continue;
    }
    const name = utf8.decode(s.subarray(nameStart, i)); // ASCII by construction
    const scan = scanValue(s, i + 1);
    // One O_EXPANSION per statement, at the first `$`/backtick inside double quotes.
    if (scan.expansion) warnings.push({ code: 'O_EXPANSION', line: first });
    if (scan.kind === 'unterminated') {
      warnings.push({ code: 'O_SYNTAX', line: first });
      break;
    }
    if (scan.kind === 'reject') {
      warnings.push({ code: 'O_SYNTAX', line: first });
      skipLine(scan.at);
      continue;
    }
    // §3.2 item 4: only WS, an optional comment, then LF or end of input.
    let j = scan.end;
    while (isWs(s[j])) j++;
    if (j < s.length && s[j] !== LF && s[j] !== HASH) {
      warnings.push({ code: 'O_SYNTAX', line: first });
      skipLine(j);
      continue;
    }
    raw.set(name, scan.bytes);
    skipLine(j);
  }

  const userData = selectUserData(raw, warnings);
  const vars = new Map<string, string>();
  for (const [name, value] of raw) vars.set(name, utf8.decode(value));
  return { vars, userData, warnings };
}

/** §3.2 item 5. */
function selectUserData(raw: Map<string, Uint8Array>, warnings: OpenNebulaWarning[]): Uint8Array {
  const decode = (value: Uint8Array): Uint8Array => {
    const decoded = decodeStrictBase64Bytes(value);
    if (decoded === null) warnings.push({ code: 'O_BASE64', line: 0 });
    return decoded ?? new Uint8Array(0);
  };
  const ec2 = raw.get('EC2_USER_DATA');
  if (ec2 !== undefined) return decode(ec2);
  const plain = raw.get('USER_DATA');
  if (plain === undefined) return new Uint8Array(0);
  const encoding = raw.get('USERDATA_ENCODING');
  const isBase64 = encoding !== undefined && asciiLower(encoding) === 'base64';
  return isBase64 ? decode(plain) : plain;
}

/** "any case" = ASCII case only (§1 item 3). */
function asciiLower(bytes: Uint8Array): string {
  if (bytes.length > 16) return '';
  return String.fromCharCode(...bytes.map((c) => (c >= 0x41 && c <= 0x5a ? c + 0x20 : c)));
}

/** §3.2 item 6: values holding a byte < 0x20 other than TAB, or 0x7F, are omitted. */
function hasControlByte(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09) || c === 0x7f) return true;
  }
  return false;
}

/** `NAME\tvalue\n` lines sorted by name bytes (names are ASCII), §3.2 item 6. */
export function formatOpenNebulaVars(r: OpenNebulaResult): string {
  const names = [...r.vars.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  let out = '';
  for (const name of names) {
    const value = r.vars.get(name) as string;
    if (!hasControlByte(value)) out += `${name}\t${value}\n`;
  }
  return out;
}

/** `CODE line\n` lines in detection order (§3.2 item 6). */
export function formatOpenNebulaWarnings(r: OpenNebulaResult): string {
  return r.warnings.map((w) => `${w.code} ${w.line}\n`).join('');
}
