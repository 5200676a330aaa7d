// Block scanning, entry lines and duplicates (userdata.md §5, §6.1, §7.1–7.2).
import { MAX_KEYS } from './limits.js';
import type { TextUnit } from './mime.js';
import { asciiLower, checkEntryLine, decodeUtf8, latin1, splitLines, trimWs } from './text.js';
import { validateKey } from './values.js';
import type { Warn, WarningCode } from './warnings.js';

const BEGIN = '[ucernvm-begin]';
const END = '[ucernvm-end]';
const HASH = 0x23;
const EQUALS = 0x3d;
const KEY = /^[a-z][a-z0-9_]{0,63}$/;

type Marker = 'begin' | 'end' | null;

/** §5.1: the line trimmed of WS equals a marker, ASCII-case-insensitively. */
function markerOf(line: Uint8Array): Marker {
  const m = trimWs(line);
  if (m.length !== BEGIN.length && m.length !== END.length) return null;
  const text = asciiLower(latin1(m));
  return text === BEGIN ? 'begin' : text === END ? 'end' : null;
}

/** §6.1 item 1: exactly one pair of matching outer quotes is removed. */
function unquote(value: Uint8Array): Uint8Array {
  const first = value[0];
  if (
    value.length >= 2 &&
    (first === 0x22 || first === 0x27) &&
    value[value.length - 1] === first
  ) {
    return value.subarray(1, value.length - 1);
  }
  return value;
}

/** Collects the keys of one input across its text units, in document order. */
export class KeyCollector {
  readonly keys = new Map<string, string>();
  blocks = 0;

  constructor(private readonly warn: Warn) {}

  /** §5.1 state machine over one text unit; every unit starts outside a block. */
  scan(unit: TextUnit): void {
    const lines = splitLines(unit.bytes);
    let beginLine = 0; // 0 = outside a block
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i] as Uint8Array;
      const lineNo = i + 1;
      const marker = markerOf(line);
      if (beginLine === 0) {
        if (marker === 'begin') {
          beginLine = lineNo;
          this.blocks++;
        } else if (marker === 'end') this.warn('W_STRAY_END', unit.part, lineNo);
      } else if (marker === 'begin') this.warn('W_NESTED_BEGIN', unit.part, lineNo);
      else if (marker === 'end') beginLine = 0;
      else this.entry(line, unit.part, lineNo);
    }
    if (beginLine !== 0) this.warn('W_UNTERMINATED', unit.part, beginLine);
  }

  /** §5.2: the first failing check gives the line's only warning. */
  private entry(line: Uint8Array, part: number, lineNo: number): void {
    const problem = this.checkEntry(line);
    if (typeof problem === 'string') this.warn(problem, part, lineNo);
    else if (problem !== null) this.store(problem.key, problem.value, part, lineNo);
  }

  /** A warning code, a valid entry, or null for a blank or comment line. */
  private checkEntry(line: Uint8Array): WarningCode | { key: string; value: string } | null {
    const bad = checkEntryLine(line);
    if (bad !== null) return bad;
    const t = trimWs(line);
    if (t.length === 0 || t[0] === HASH) return null;
    const eq = t.indexOf(EQUALS);
    if (eq < 0) return 'W_NO_EQUALS';
    const key = asciiLower(decodeUtf8(trimWs(t, 0, eq)));
    if (!KEY.test(key)) return 'W_BAD_KEY';
    const checked = validateKey(key, decodeUtf8(unquote(trimWs(t, eq + 1))));
    return checked.ok ? { key, value: checked.value } : checked.code;
  }

  /** §7.1–7.2: the last valid occurrence wins; at most 256 distinct keys. */
  private store(key: string, value: string, part: number, lineNo: number): void {
    if (this.keys.has(key)) {
      this.keys.set(key, value);
      this.warn('W_DUPLICATE', part, lineNo);
    } else if (this.keys.size >= MAX_KEYS) {
      this.warn('W_TOO_MANY_KEYS', part, lineNo);
    } else {
      this.keys.set(key, value);
    }
  }
}
