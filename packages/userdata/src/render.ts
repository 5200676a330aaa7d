// Writes one user-data block that parses back to the given entries (userdata.md §5, §6.1).
import { UserdataError } from './errors.js';
import { MAX_KEYS } from './limits.js';
import { checkEntryString } from './text.js';
import { validateKey } from './values.js';

const KEY = /^[a-z][a-z0-9_]{0,63}$/;

/**
 * §6.1 item 1 removes one pair of equal outer quotes and §5.2 trims WS, so a value needs
 * wrapping exactly when it has outer WS or already looks quoted. Either quote character works:
 * only the first and last byte are removed, nothing inside is interpreted.
 */
function needsQuotes(value: string): boolean {
  if (/^[ \t]|[ \t]$/.test(value)) return true;
  const first = value[0];
  return value.length >= 2 && (first === '"' || first === "'") && value.endsWith(first);
}

/**
 * Renders `[ucernvm-begin]`, one `key=value` line per entry and `[ucernvm-end]`. Known BOOL and
 * UINT values are written in their stored form. Throws `E_RENDER_KEY` / `E_RENDER_VALUE` for
 * entries that would not parse back unchanged.
 */
export function renderBlock(entries: Iterable<[string, string]>): string {
  const seen = new Set<string>();
  let out = '[ucernvm-begin]\n';
  for (const [key, value] of entries) {
    if (!KEY.test(key)) {
      throw new UserdataError(
        'E_RENDER_KEY',
        `user-data key ${JSON.stringify(key)} is not a valid key`,
        'use 1–64 characters from a–z, 0–9 and _, starting with a letter (userdata.md §5.2)',
      );
    }
    if (seen.has(key)) {
      throw new UserdataError(
        'E_RENDER_KEY',
        `user-data key ${JSON.stringify(key)} is given twice`,
        'give each key once; the last occurrence would win and warn (userdata.md §7)',
      );
    }
    seen.add(key);
    if (seen.size > MAX_KEYS) {
      throw new UserdataError(
        'E_RENDER_KEY',
        `user data has more than ${MAX_KEYS} keys (at ${JSON.stringify(key)})`,
        `keep at most ${MAX_KEYS} distinct keys (userdata.md §7.2)`,
      );
    }
    const bad = checkEntryString(value);
    if (bad !== null) {
      throw new UserdataError(
        'E_RENDER_VALUE',
        `value of ${key} ${bad === 'W_CONTROL_CHAR' ? 'contains a control character, CR or LF' : 'is not valid UTF-8'}: ${JSON.stringify(value.slice(0, 80))}`,
        'user-data values are one line of UTF-8 text; TAB is the only control character allowed',
      );
    }
    const checked = validateKey(key, value);
    if (!checked.ok) {
      throw new UserdataError(
        'E_RENDER_VALUE',
        `value of ${key} ${checked.code === 'W_VALUE_TOO_LONG' ? 'is too long' : 'is not valid for its type'}: ${JSON.stringify(value.slice(0, 80))}`,
        checked.code === 'W_VALUE_TOO_LONG'
          ? 'values are limited to 4096 bytes (cernvm_inject: 12 MiB) (userdata.md §6.1)'
          : 'see the key table in userdata.md §6.3 for the accepted values',
      );
    }
    const v = checked.value;
    out += `${key}=${needsQuotes(v) ? `"${v}"` : v}\n`;
  }
  return `${out}[ucernvm-end]\n`;
}
