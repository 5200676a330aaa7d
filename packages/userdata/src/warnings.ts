// Warning records and the per-input warning limit (userdata.md §11.4, §13, §14).
import { MAX_WARNINGS } from './limits.js';

export type WarningCode =
  | 'W_TOO_LARGE'
  | 'W_GZIP'
  | 'W_MIME'
  | 'W_MIME_UNTERMINATED'
  | 'W_MIME_DECODE'
  | 'W_MIME_LIMIT'
  | 'W_STRAY_END'
  | 'W_NESTED_BEGIN'
  | 'W_UNTERMINATED'
  | 'W_CONTROL_CHAR'
  | 'W_BAD_UTF8'
  | 'W_NO_EQUALS'
  | 'W_BAD_KEY'
  | 'W_VALUE_TOO_LONG'
  | 'W_INVALID_VALUE'
  | 'W_DUPLICATE'
  | 'W_TOO_MANY_KEYS'
  | 'W_GLIDEIN'
  | 'W_TOO_MANY_WARNINGS';

/** One warning: `part` 0 is the whole input, n ≥ 1 the n-th MIME leaf; `line` is 1-based (0 = none). */
export interface UserdataWarning {
  code: WarningCode;
  input: 'user' | 'extra';
  part: number;
  line: number;
}

/** Records warnings of one input in detection order; the 1001st becomes W_TOO_MANY_WARNINGS. */
export class WarningList {
  readonly items: UserdataWarning[] = [];
  private full = false;

  constructor(private readonly input: 'user' | 'extra') {}

  add(code: WarningCode, part: number, line: number): void {
    if (this.full) return;
    if (this.items.length === MAX_WARNINGS) {
      this.full = true;
      code = 'W_TOO_MANY_WARNINGS';
    }
    this.items.push({ code, input: this.input, part, line });
  }
}

export type Warn = (code: WarningCode, part: number, line: number) => void;
