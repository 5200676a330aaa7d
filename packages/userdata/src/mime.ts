// MIME multipart splitting and leaf decoding (userdata.md §4.3); gzip of leaves per item 6.
import { decodeStrictBase64Bytes } from './base64.js';
import { gunzip, isGzip } from './gzip.js';
import {
  MAX_GUNZIP_BYTES,
  MAX_LEAF_BYTES,
  MAX_LEAVES,
  MAX_LEAVES_TOTAL_BYTES,
  MAX_MIME_DEPTH,
} from './limits.js';
import { decodeQuotedPrintable } from './quoted-printable.js';
import { asciiLower, CR, hasBom, isWs, LF, latin1 } from './text.js';
import type { Warn } from './warnings.js';

/** A text unit of §4.4: the whole input (part 0) or the decoded n-th leaf. */
export interface TextUnit {
  part: number;
  bytes: Uint8Array;
}

/** One line terminated by LF or CRLF: content is [start, contentEnd), the next line at `next`. */
interface Line {
  start: number;
  contentEnd: number;
  next: number;
}

function lineAt(bytes: Uint8Array, pos: number): Line {
  const lf = bytes.indexOf(LF, pos);
  if (lf < 0) return { start: pos, contentEnd: bytes.length, next: bytes.length };
  const contentEnd = lf > pos && bytes[lf - 1] === CR ? lf - 1 : lf;
  return { start: pos, contentEnd, next: lf + 1 };
}

/** Length of the header name if the line matches `^[!-9;-~]+:`, else -1. */
function headerNameLength(bytes: Uint8Array, line: Line): number {
  let i = line.start;
  while (i < line.contentEnd) {
    const c = bytes[i] as number;
    if (c === 0x3a) return i > line.start ? i - line.start : -1;
    if (c < 0x21 || c > 0x7e) return -1;
    i++;
  }
  return -1;
}

/** Header names lower-cased → unfolded value (first occurrence), and where the body starts. */
export interface HeaderBlock {
  headers: Map<string, string>;
  bodyStart: number;
}

/** §4.3 item 1: the header block starting at `start`, or null when there is none. */
export function parseHeaderBlock(bytes: Uint8Array, start: number): HeaderBlock | null {
  const headers = new Map<string, string>();
  let current: { name: string; value: string } | null = null;
  const commit = (): void => {
    if (current !== null && !headers.has(current.name)) headers.set(current.name, current.value);
  };
  let pos = start;
  while (pos < bytes.length) {
    const line = lineAt(bytes, pos);
    if (line.contentEnd === line.start && current !== null) {
      commit();
      return { headers, bodyStart: line.next };
    }
    const nameLength = headerNameLength(bytes, line);
    if (nameLength > 0) {
      commit();
      const name = asciiLower(latin1(bytes.subarray(line.start, line.start + nameLength)));
      current = {
        name,
        value: latin1(bytes.subarray(line.start + nameLength + 1, line.contentEnd)),
      };
    } else if (current !== null && isWs(bytes[line.start])) {
      current.value += latin1(bytes.subarray(line.start, line.contentEnd)); // unfolding
    } else {
      return null;
    }
    pos = line.next;
  }
  if (current === null) return null;
  commit();
  return { headers, bodyStart: bytes.length };
}

const trimWsString = (s: string): string => s.replace(/^[ \t]+|[ \t]+$/g, '');

/** §4.3 item 3: media type (trimmed, lower-cased) and parameters (names lower-cased). */
export function parseContentType(value: string): { type: string; params: Map<string, string> } {
  const params = new Map<string, string>();
  let semi = value.indexOf(';');
  const type = asciiLower(trimWsString(semi < 0 ? value : value.slice(0, semi)));
  while (semi >= 0) {
    let i = semi + 1;
    const eq = value.indexOf('=', i);
    const nextSemi = value.indexOf(';', i);
    if (eq < 0 || (nextSemi >= 0 && nextSemi < eq)) {
      semi = nextSemi; // a parameter without `=` is ignored
      continue;
    }
    const name = asciiLower(trimWsString(value.slice(i, eq)));
    i = eq + 1;
    while (isWs(value.charCodeAt(i))) i++;
    let paramValue = '';
    if (value[i] === '"') {
      // Quoted string: `\x` stands for `x`; an unterminated one runs to the end.
      i++;
      while (i < value.length && value[i] !== '"') {
        if (value[i] === '\\' && i + 1 < value.length) i++;
        paramValue += value[i];
        i++;
      }
      semi = value.indexOf(';', i);
    } else {
      semi = value.indexOf(';', i);
      paramValue = trimWsString(semi < 0 ? value.slice(i) : value.slice(i, semi));
    }
    if (!params.has(name)) params.set(name, paramValue);
  }
  return { type, params };
}

/** The boundary when `headers` declare `multipart/*` with a non-empty boundary, else null. */
function multipartBoundary(headers: Map<string, string>): string | null {
  const contentType = headers.get('content-type');
  if (contentType === undefined) return null;
  const { type, params } = parseContentType(contentType);
  const boundary = params.get('boundary');
  return type.startsWith('multipart/') && boundary ? boundary : null;
}

interface Split {
  parts: Uint8Array[];
  delimiters: number;
  closed: boolean;
}

/** §4.3 item 4: the parts between delimiter lines; preamble and epilogue dropped. */
function splitBody(body: Uint8Array, boundary: string): Split {
  const open = `--${boundary}`;
  const close = `${open}--`;
  const parts: Uint8Array[] = [];
  let delimiters = 0;
  let partStart = -1;
  let pos = 0;
  while (pos < body.length) {
    const line = lineAt(body, pos);
    let end = line.contentEnd;
    while (end > line.start && isWs(body[end - 1])) end--;
    const length = end - line.start;
    if ((length === open.length || length === close.length) && body[line.start] === 0x2d) {
      const text = latin1(body.subarray(line.start, end));
      if (text === open || text === close) {
        delimiters++;
        if (partStart >= 0) {
          // The terminator just before a delimiter line belongs to the delimiter.
          let partEnd = line.start;
          if (partEnd > partStart && body[partEnd - 1] === LF) partEnd--;
          if (partEnd > partStart && body[partEnd - 1] === CR && body[partEnd] === LF) partEnd--;
          parts.push(body.subarray(partStart, partEnd));
        }
        if (text === close) return { parts, delimiters, closed: true };
        partStart = line.next;
      }
    }
    pos = line.next;
  }
  if (partStart >= 0) parts.push(body.subarray(partStart));
  return { parts, delimiters, closed: false };
}

interface Context {
  warn: Warn;
  units: TextUnit[];
  leaves: number;
  total: number;
  stopped: boolean;
}

/**
 * §4.3: the text units of one input (after §4.2). A multipart body is split completely (giving
 * W_MIME / W_MIME_UNTERMINATED) before its parts are decoded in document order.
 */
export function decodeTextUnits(input: Uint8Array, warn: Warn): TextUnit[] {
  const whole = [{ part: 0, bytes: input }];
  const top = parseHeaderBlock(input, hasBom(input) ? 3 : 0);
  const boundary = top === null ? null : multipartBoundary(top.headers);
  if (top === null || boundary === null) return whole;
  const split = splitBody(input.subarray(top.bodyStart), boundary);
  if (split.delimiters === 0) {
    warn('W_MIME', 0, 0);
    return whole;
  }
  const ctx: Context = { warn, units: [], leaves: 0, total: 0, stopped: false };
  if (!split.closed) warn('W_MIME_UNTERMINATED', 0, 0);
  for (const part of split.parts) {
    handlePart(ctx, part, 1);
    if (ctx.stopped) break;
  }
  return ctx.units;
}

/** One part of a multipart at nesting level `level` (§4.3 items 5–7). */
function handlePart(ctx: Context, part: Uint8Array, level: number): void {
  let headers = new Map<string, string>();
  let body = part;
  if (part[0] === LF) body = part.subarray(1);
  else if (part[0] === CR && part[1] === LF) body = part.subarray(2);
  else {
    const block = parseHeaderBlock(part, 0);
    if (block !== null) {
      headers = block.headers;
      body = part.subarray(block.bodyStart);
    }
  }
  const boundary = multipartBoundary(headers);
  if (boundary !== null) {
    if (level + 1 > MAX_MIME_DEPTH) {
      ctx.warn('W_MIME_LIMIT', 0, 0);
      return;
    }
    const split = splitBody(body, boundary);
    if (split.delimiters === 0) {
      ctx.warn('W_MIME', 0, 0); // a nested multipart without delimiters yields nothing
      return;
    }
    if (!split.closed) ctx.warn('W_MIME_UNTERMINATED', 0, 0);
    for (const inner of split.parts) {
      handlePart(ctx, inner, level + 1);
      if (ctx.stopped) return;
    }
    return;
  }
  handleLeaf(ctx, headers, body);
}

function handleLeaf(ctx: Context, headers: Map<string, string>, body: Uint8Array): void {
  const n = ++ctx.leaves;
  if (n > MAX_LEAVES) {
    ctx.warn('W_MIME_LIMIT', 0, 0);
    ctx.stopped = true;
    return;
  }
  let text = decodeTransfer(headers.get('content-transfer-encoding'), body);
  if (text === null) {
    ctx.warn('W_MIME_DECODE', n, 0);
    return;
  }
  if (text.length > MAX_LEAF_BYTES) {
    ctx.warn('W_TOO_LARGE', n, 0);
    return;
  }
  if (isGzip(text)) {
    text = gunzip(text, MAX_GUNZIP_BYTES);
    if (text === null) {
      ctx.warn('W_GZIP', n, 0);
      return;
    }
  }
  // The total counts what is scanned, i.e. after leaf gunzip (the only way to exceed it).
  if (ctx.total + text.length > MAX_LEAVES_TOTAL_BYTES) {
    ctx.warn('W_MIME_LIMIT', 0, 0);
    ctx.stopped = true;
    return;
  }
  ctx.total += text.length;
  ctx.units.push({ part: n, bytes: text });
}

/** §4.3 item 6: Content-Transfer-Encoding; null for bad base64 or an unknown encoding. */
function decodeTransfer(encoding: string | undefined, body: Uint8Array): Uint8Array | null {
  if (encoding === undefined) return body;
  switch (asciiLower(trimWsString(encoding))) {
    case '7bit':
    case '8bit':
    case 'binary':
      return body;
    case 'base64':
      return decodeStrictBase64Bytes(body);
    case 'quoted-printable':
      return decodeQuotedPrintable(body);
    default:
      return null;
  }
}
