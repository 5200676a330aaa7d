// glideinWMS contextualisation detection on the user input (userdata.md §10).
import { decodeStrictBase64 } from './base64.js';
import { CR, checkEntryLine, decodeUtf8, LF, latin1, stripBom } from './text.js';
import { validateKey } from './values.js';
import type { Warn } from './warnings.js';

const PATTERN = /#### -cluster [0-9]+ -subcluster [0-9]+####/;
const PAYLOAD = /^[A-Za-z0-9+/]+={0,2}$/;

/** §10 item 4: option name → key. */
const PARAMS: ReadonlyArray<readonly [string, string]> = [
  ['-param_CERNVM_CMS_PROXY', 'cvmfs_http_proxy'],
  ['-param_CERNVM_CMS_PAC_URLS', 'cvmfs_pac_urls'],
];

/** §10 item 5, one left-to-right pass. */
const ESCAPES = /\.(semicolon|colon|pipe|minus|dot),/g;
const UNESCAPED: Record<string, string> = {
  semicolon: ';',
  colon: ':',
  pipe: '|',
  minus: '-',
  dot: '.',
};

export interface GlideinResult {
  detected: boolean;
  keys: Map<string, string>;
}

/**
 * Runs §10 items 1–6 on the user input after §4.2. The caller checks the preconditions (size,
 * no block, `useglideinwms` not switched off by the extra map).
 */
export function detectGlidein(input: Uint8Array, warn: Warn): GlideinResult {
  const keys = new Map<string, string>();
  const none: GlideinResult = { detected: false, keys };
  // G: one BOM removed, CRLF/CR → LF, one trailing LF removed; it must hold no LF.
  let g = stripBom(input);
  if (g.length >= 2 && g[g.length - 2] === CR && g[g.length - 1] === LF) g = g.subarray(0, -2);
  else if (g[g.length - 1] === LF || g[g.length - 1] === CR) g = g.subarray(0, -1);
  if (g.includes(LF) || g.includes(CR)) return none;
  const text = latin1(g);
  if (!PATTERN.test(text)) return none;

  const p = text.slice(0, text.indexOf('#'));
  const q = p.replace(/=+$/, '');
  const needed = (4 - (q.length % 4)) % 4;
  const decoded =
    PAYLOAD.test(p) && q.length % 4 !== 1 && p.length - q.length <= needed
      ? decodeStrictBase64(q + '='.repeat(needed))
      : null;
  if (decoded === null) {
    warn('W_GLIDEIN', 0, 1);
    return none;
  }

  const d = latin1(decoded).replace(/\r\n?/g, '\n');
  const args = d.split('\n').find((line) => line.startsWith('args'));
  if (args === undefined) return { detected: true, keys };
  const tokens = args.split(/[ \t]+/).filter((token) => token !== '');
  for (const [name, key] of PARAMS) {
    const at = tokens.lastIndexOf(name);
    const raw = at < 0 ? undefined : tokens[at + 1];
    if (raw === undefined) continue;
    const bytes = Buffer.from(
      raw.replace(ESCAPES, (_, word: string) => UNESCAPED[word] as string),
      'latin1',
    );
    const checked = checkEntryLine(bytes) === null ? validateKey(key, decodeUtf8(bytes)) : null;
    if (checked === null || !checked.ok) warn('W_INVALID_VALUE', 0, 1);
    else keys.set(key, checked.value);
  }
  return { detected: true, keys };
}
