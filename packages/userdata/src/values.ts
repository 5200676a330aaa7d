// Value types and the key table (userdata.md §6.1 items 3–5, §6.2, §6.3).
import { utf8Length } from './text.js';

/** A §6.2 type; UINT carries its inclusive bounds. */
export type KeyType =
  | {
      readonly kind:
        | 'BOOL'
        | 'HOSTLIST'
        | 'CDN'
        | 'PROXY'
        | 'URLLIST'
        | 'FQRN'
        | 'TAG'
        | 'OSPATH'
        | 'PIN'
        | 'HTTPURL'
        | 'BASE64';
    }
  | { readonly kind: 'UINT'; readonly min: number; readonly max: number };

export type ValidationResult =
  | { ok: true; value: string }
  | { ok: false; code: 'W_INVALID_VALUE' | 'W_VALUE_TOO_LONG' };

const t = (kind: Exclude<KeyType['kind'], 'UINT'>): KeyType => ({ kind });
const uint = (min: number, max: number): KeyType => ({ kind: 'UINT', min, max });

/** §6.3: the known keys and their types. */
export const KNOWN_KEYS: ReadonlyMap<string, KeyType> = new Map<string, KeyType>([
  ['resize_rootfs', t('BOOL')],
  ['use_boothd', t('BOOL')],
  ['cvmfs_http_proxy', t('PROXY')],
  ['cvmfs_pac_urls', t('URLLIST')],
  ['cvmfs_server', t('HOSTLIST')],
  ['cvmfs_cdn', t('CDN')],
  ['cvmfs_branch', t('FQRN')],
  ['cvmfs_tag', t('TAG')],
  ['cvmfs_wait_on_squid', uint(0, 300)],
  ['cvmfs_wait_on_squid_deadline', uint(10, 3600)],
  ['cernvm_path', t('OSPATH')],
  ['cernvm_inject', t('BASE64')],
  ['useglideinwms', t('BOOL')],
  ['cvm_cluster_pin', t('PIN')],
  ['cvm_cluster_master', t('BOOL')],
  ['cvm_service_url', t('HTTPURL')],
  ['cvm_cluster_timeout', uint(60, 3600)],
]);

/** §6.1 item 3: value length limits in bytes. */
export const MAX_VALUE_BYTES = 4096;
export const MAX_INJECT_BYTES = 12 * 1024 * 1024;

/**
 * Validates the value of `key` (already lower-cased, quotes already removed): the length limit
 * for every key, then the §6.2 type for known keys. BOOL and UINT values come back normalised;
 * everything else verbatim. The §5.2 byte checks are the caller's.
 */
export function validateKey(key: string, value: string): ValidationResult {
  const limit = key === 'cernvm_inject' ? MAX_INJECT_BYTES : MAX_VALUE_BYTES;
  // value.length ≤ bytes ≤ 3 × length: skip the byte count when the answer is already known.
  if (value.length > limit || (value.length * 3 > limit && utf8Length(value) > limit)) {
    return { ok: false, code: 'W_VALUE_TOO_LONG' };
  }
  const type = KNOWN_KEYS.get(key);
  if (type === undefined) return { ok: true, value };
  const normalised = checkType(type, value);
  return normalised === null
    ? { ok: false, code: 'W_INVALID_VALUE' }
    : { ok: true, value: normalised };
}

/** The stored form of `value` under `type`, or null when it is outside the type. */
function checkType(type: KeyType, value: string): string | null {
  switch (type.kind) {
    case 'BOOL':
      return checkBool(value);
    case 'UINT':
      return checkUint(value, type.min, type.max);
    case 'HOSTLIST':
      return isHostList(value) ? value : null;
    case 'CDN':
      return /^none$/i.test(value) || isHostList(value) ? value : null;
    case 'PROXY':
      return /^[A-Za-z0-9.\-_~:/@%;|,=+[\]]{1,4096}$/.test(value) ? value : null;
    case 'URLLIST':
      return isUrlList(value) ? value : null;
    case 'FQRN':
      return value.length <= 253 && FQRN.test(value) ? value : null;
    case 'TAG':
      return /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(value) ? value : null;
    case 'OSPATH':
      return isOsPath(value) ? value : null;
    case 'PIN':
      return /^[A-Za-z0-9_-]{1,64}$/.test(value) ? value : null;
    case 'HTTPURL':
      return value.length <= 2048 && isUrl(value, HTTPURL_PATH) ? value : null;
    case 'BASE64':
      return value.length % 4 === 0 && /^[A-Za-z0-9+/]+={0,2}$/.test(value) ? value : null;
  }
}

const TRUE_WORDS = new Set(['1', 'yes', 'on', 'true']);
const FALSE_WORDS = new Set(['0', 'no', 'off', 'false']);

function checkBool(value: string): string | null {
  // ASCII-only lower-casing (§1); a non-ASCII letter never matches.
  const word = /^[A-Za-z0-9]{1,5}$/.test(value) ? value.toLowerCase() : '';
  if (TRUE_WORDS.has(word)) return '1';
  if (FALSE_WORDS.has(word)) return '0';
  return null;
}

function checkUint(value: string, min: number, max: number): string | null {
  if (!/^[0-9]{1,6}$/.test(value)) return null;
  const n = Number(value);
  return n >= min && n <= max ? String(n) : null;
}

const LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
const HOSTNAME = new RegExp(`^${LABEL}(?:\\.${LABEL})*$`);
const IPV4 =
  /^(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(?:\.(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}$/;
const FQRN = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+$/;

/** Port 1–65535, decimal digits (leading zeros allowed, at most 5 digits). */
const isPort = (p: string): boolean =>
  /^[0-9]{1,5}$/.test(p) && Number(p) >= 1 && Number(p) <= 65535;

/** HOST: `hostname[:port]`, `IPv4[:port]` or `[IPv6][:port]` (§6.2). */
export function isHost(value: string): boolean {
  let host = value;
  if (host.startsWith('[')) {
    const close = host.indexOf(']');
    if (close < 0) return false;
    const rest = host.slice(close + 1);
    if (rest !== '' && !(rest.startsWith(':') && isPort(rest.slice(1)))) return false;
    return /^\[[0-9A-Fa-f:.]+\]$/.test(host.slice(0, close + 1));
  }
  const colon = host.indexOf(':');
  if (colon >= 0) {
    if (!isPort(host.slice(colon + 1))) return false;
    host = host.slice(0, colon);
  }
  return IPV4.test(host) || (host.length <= 253 && HOSTNAME.test(host));
}

const HOSTLIST_PATH = /^[A-Za-z0-9._~%@+-]*$/;
const HTTPURL_PATH = /^[A-Za-z0-9._~%+-]*$/;

/** `http://` or `https://` + HOST + optional path of `/`-separated segments. */
function isUrl(value: string, segment: RegExp): boolean {
  const m = /^https?:\/\/(.*)$/s.exec(value);
  if (m === null) return false;
  const rest = m[1] as string;
  const slash = rest.indexOf('/');
  if (slash < 0) return isHost(rest);
  return (
    isHost(rest.slice(0, slash)) &&
    rest
      .slice(slash + 1)
      .split('/')
      .every((s) => segment.test(s))
  );
}

function isHostList(value: string): boolean {
  const entries = value
    .split(/[,;]/)
    .map((e) => e.replace(/^[ \t]+|[ \t]+$/g, ''))
    .filter((e) => e !== '');
  if (entries.length < 1 || entries.length > 32) return false;
  return entries.every((e) => isHost(e) || isUrl(e, HOSTLIST_PATH));
}

function isUrlList(value: string): boolean {
  if (value.length > 4096 || !/^[A-Za-z0-9\-._~:/?#[\]@!$&()*+,;=%]*$/.test(value)) return false;
  const entries = value.split(';').filter((e) => e !== '');
  if (entries.length === 0) return false;
  return entries.every((e) => e === 'auto' || /^(?:https?|file):\/\//.test(e));
}

function isOsPath(value: string): boolean {
  if (value === '') return true;
  if (value.length > 255 || !/^\/?[A-Za-z0-9_.-]+(?:\/[A-Za-z0-9_.-]+)*\/?$/.test(value))
    return false;
  return value.split('/').every((c) => c !== '.' && c !== '..');
}
