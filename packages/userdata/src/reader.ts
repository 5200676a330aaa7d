// Reader of persisted ucontext files (userdata.md §11.2). It never evaluates anything: each line
// is matched as data and its value re-validated like a parsed entry.
import { checkEntryLine, decodeUtf8 } from './text.js';
import { validateKey } from './values.js';

export interface ReadWarning {
  code: 'R_BAD_LINE' | 'R_INVALID_VALUE';
  /** 1-based index into the files given to {@link readUcontext}. */
  file: number;
  /** 1-based line within that file. */
  line: number;
}

export interface ReadResult {
  /** Lower-case key → effective value (later files and later lines win). */
  keys: Map<string, string>;
  warnings: ReadWarning[];
}

const LF = 0x0a;
const CR = 0x0d;
const PREFIX = '_UCONTEXT_';
const NAME = /^[A-Z][A-Z0-9_]{0,63}$/;
/** §11.2 item 3: `'…'` segments joined by `\'`, as written by §11.1. */
const QUOTED = /^'[^']*'(\\''[^']*')*$/;

/** Lines split at LF with one trailing CR removed (CRLF accepted, §11.2 item 1). */
function* lines(file: Uint8Array): Generator<Uint8Array> {
  let start = 0;
  while (start < file.length) {
    let end = file.indexOf(LF, start);
    const next = end < 0 ? file.length : end + 1;
    if (end < 0) end = file.length;
    yield file.subarray(start, end > start && file[end - 1] === CR ? end - 1 : end);
    start = next;
  }
}

const isBlank = (line: Uint8Array): boolean => line.every((c) => c === 0x20 || c === 0x09);

/** The value bytes of a `_UCONTEXT_NAME=rest` line, or null when the line is not one. */
function parseAssignment(line: Uint8Array): { name: string; value: Uint8Array } | null {
  // latin1 keeps one code unit per byte, so patterns and offsets stay byte-exact.
  const text = Buffer.from(line.buffer, line.byteOffset, line.byteLength).toString('latin1');
  if (!text.startsWith(PREFIX)) return null;
  const eq = text.indexOf('=', PREFIX.length);
  if (eq < 0) return null;
  const name = text.slice(PREFIX.length, eq);
  if (!NAME.test(name)) return null;
  const rest = text.slice(eq + 1);
  if (!rest.startsWith("'")) return { name, value: line.subarray(eq + 1) }; // legacy, verbatim
  if (!QUOTED.test(rest)) return null;
  const value = rest.slice(1, -1).split("'\\''").join("'");
  return { name, value: Uint8Array.from(Buffer.from(value, 'latin1')) };
}

/** Reads persisted `ucontext` files in order; never throws (§11.2). */
export function readUcontext(files: Uint8Array[]): ReadResult {
  const keys = new Map<string, string>();
  const warnings: ReadWarning[] = [];
  files.forEach((bytes, index) => {
    const file = index + 1;
    let line = 0;
    for (const text of lines(bytes)) {
      line++;
      if (isBlank(text) || text[0] === 0x23) continue; // blank or `#` comment
      const assignment = parseAssignment(text);
      if (assignment === null) {
        warnings.push({ code: 'R_BAD_LINE', file, line });
        continue;
      }
      // §11.2 item 4: §5.2 checks 1–2, then length and type via validateKey.
      const key = assignment.name.toLowerCase(); // NAME is ASCII
      const checked =
        checkEntryLine(assignment.value) === null
          ? validateKey(key, decodeUtf8(assignment.value))
          : null;
      if (checked === null || !checked.ok) {
        warnings.push({ code: 'R_INVALID_VALUE', file, line });
        continue;
      }
      keys.set(key, checked.value);
    }
  });
  return { keys, warnings };
}

/** `CODE file line\n` per warning, in detection order (the `read.warnings` file). */
export function formatReadWarnings(r: ReadResult): string {
  return r.warnings.map((w) => `${w.code} ${w.file} ${w.line}\n`).join('');
}
