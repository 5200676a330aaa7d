// Output forms: ucontext (userdata.md §11.1), canonical JSON (§11.3), warnings (§11.4).
import type { ParseResult } from './parse.js';

/** Orders strings by their UTF-8 bytes (keys are ASCII, where this is code-unit order). */
const byBytes = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

const sortedEntries = (map: ReadonlyMap<string, string>): [string, string][] =>
  [...map].sort(([a], [b]) => byBytes(a, b));

const asciiUpper = (s: string): string => s.replace(/[a-z]+/g, (m) => m.toUpperCase());

/** §11.1: `# ucvm-context 1` then `_UCONTEXT_KEY='value'` lines sorted by key bytes. */
export function serializeUcontext(map: ReadonlyMap<string, string>): string {
  let out = '# ucvm-context 1\n';
  for (const [key, value] of sortedEntries(map)) {
    out += `_UCONTEXT_${asciiUpper(key)}='${value.replaceAll("'", "'\\''")}'\n`;
  }
  return out;
}

/** A JSON object of string members sorted by key bytes; JSON.stringify escapes as §11.3 asks. */
function keysObject(map: ReadonlyMap<string, string>): string {
  const members = sortedEntries(map).map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`);
  return `{${members.join(',')}}`;
}

/** §11.3: one line, members in fixed order, terminated by LF. */
export function toCanonicalJson(result: ParseResult): string {
  const warnings = result.warnings.map(
    (w) =>
      `{"code":${JSON.stringify(w.code)},"input":${JSON.stringify(w.input)},"part":${w.part},"line":${w.line}}`,
  );
  return (
    '{"format":"ucvm-userdata","version":1,' +
    `"user":{"blocks":${result.user.blocks},"glideinwms":${result.user.glideinwms},"keys":${keysObject(result.user.keys)}},` +
    `"extra":{"blocks":${result.extra.blocks},"keys":${keysObject(result.extra.keys)}},` +
    `"effective":${keysObject(result.effective)},` +
    `"warnings":[${warnings.join(',')}]}\n`
  );
}

/** §11.4: `CODE input part line` per warning, in JSON order; empty when none. */
export function formatWarnings(result: ParseResult): string {
  return result.warnings.map((w) => `${w.code} ${w.input} ${w.part} ${w.line}\n`).join('');
}
