// Seeded generator of user-data inputs for the TS ↔ sh agreement test (userdata.md §1 item 2):
// parse inputs (blocks, odd keys, quoting, BOM, CR/LF/CRLF, gzip, MIME multipart, glideinWMS,
// extra chunks), persisted ucontext files, OpenNebula context.sh files and Azure CustomData.
// Deterministic: one mulberry32 stream per seed, no Math.random.
import { gzipSync } from 'node:zlib';

/** What the generator draws from: key names, their §6.2 types, corpus lines to recombine. */
export interface Gen {
  keys: readonly string[];
  types: ReadonlyMap<string, { kind: string }>;
  pool: readonly Buffer[];
}

export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  /** uniform in [0, 1) */
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** integer in [lo, hi] */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)] as T;
  }
  bytes(n: number): Buffer {
    return Buffer.from(Array.from({ length: n }, () => this.int(0, 255)));
  }
}

const b = (s: string): Buffer => Buffer.from(s, 'latin1');
const u = (s: string): Buffer => Buffer.from(s, 'utf8');

const ODD_KEYS = [
  'X',
  'a b',
  'k-1',
  '_k',
  '9k',
  'k\u00e9',
  '',
  'k'.repeat(64),
  'k'.repeat(65),
  'CVMFS_Branch',
  ' cvmfs_branch',
  'cvmfs_branch ',
  'cvmfs_branch\t',
  '#x',
  '[ucernvm-end]',
  'k=v',
  "'q'",
  '"q"',
];

const VALUE_PIECES: readonly Buffer[] = [
  'abc',
  '1',
  '0',
  'on',
  'off',
  'yes',
  'no',
  'true',
  'FALSE',
  "'q'",
  '"d"',
  "'",
  '"',
  ';',
  '$(reboot)',
  '`id`',
  '$\x7bHOME}', // ${HOME}
  'http://squid.example.org:3128',
  'DIRECT',
  'http://a:1;http://b:2|DIRECT',
  'http://wpad.example.org/wpad.dat',
  'cernvm-prod.cern.ch',
  'cvmfs-config.cern.ch',
  '10G',
  '-1',
  '4096',
  ' ',
  '\t',
  '=',
  '\\',
  '#',
  '[ucernvm-begin]',
  'x.y',
  'W3VjZXJudm0tYmVnaW5dCg==',
  'AAAA',
  'AAA=',
].map(b);
const VALUE_UTF8 = ['\u00e9', '\u20ac', '\u{1f600}', '\u00a0'].map(u);
const VALUE_BAD = [
  b('\xff'),
  b('\xc3'),
  b('\x00'),
  b('\x01'),
  b('\x1b'),
  b('\x7f'),
  b('\xed\xa0\x80'),
];

export function value(r: Rng): Buffer {
  const parts: Buffer[] = [];
  const n = r.int(0, 4);
  for (let i = 0; i < n; i++) {
    const p = r.next();
    if (p < 0.7) parts.push(r.pick(VALUE_PIECES));
    else if (p < 0.82) parts.push(r.pick(VALUE_UTF8));
    else if (p < 0.9) parts.push(r.pick(VALUE_BAD));
    else parts.push(b('a'.repeat(r.pick([253, 254, 1000, 2048, 2049, 4095, 4096, 4097]))));
  }
  return Buffer.concat(parts);
}

/** Values of every §6.2 type, valid and near-valid, keyed by type kind. */
const TYPED: Record<string, readonly string[]> = {
  BOOL: ['1', '0', 'yes', 'No', 'ON', 'off', 'true', 'False', '2', ''],
  UINT: ['0', '00010', '60', '300', '301', '3600', '3601', '1000000', '-1', '1e3', ' 5'],
  HOSTLIST: [
    'a.example.org',
    'a:3128,b;c',
    'http://h.example/p/q',
    '10.0.0.1:80',
    '[::1]:8000',
    ' x , ;y',
    'a..b',
    'h:0',
    'https://h:65535/a%20b',
  ],
  CDN: ['none', 'NONE', 'cdn.example.org', 'none,x'],
  PROXY: [
    'DIRECT',
    'http://squid:3128;DIRECT',
    'http://a:1|http://b:2',
    'auto;DIRECT',
    '[::1]',
    'a b',
  ],
  URLLIST: [
    'auto',
    'http://wpad/wpad.dat;auto',
    'file:///etc/p.pac',
    ';;http://x',
    'ftp://x',
    'http://x?a=b#c',
  ],
  FQRN: ['cernvm-prod.cern.ch', 'x.y', 'nodot', 'Upper.cern.ch', '-a.b'],
  TAG: ['t1', '_x.y-z', '.t', 't'.repeat(128), 't'.repeat(129)],
  OSPATH: ['', 'cvm4/x86_64', '/a/b/', 'a/../b', '.', 'a//b'],
  PIN: ['pin_1', 'p'.repeat(64), 'p'.repeat(65), 'a.b'],
  HTTPURL: ['http://svc.example:8080/x', 'https://h', 'ftp://h', 'http://h/a b'],
  BASE64: ['W3VjZXJudm0tYmVnaW5dCg==', 'AAAA', 'AAA=', 'AA==', 'A===', 'AAA', 'AA AA'],
};

/** A value for `key`: mostly one typed like the key, else the free mix of {@link value}. */
function valueFor(r: Rng, key: string, g: Gen): Buffer {
  const kind = g.types.get(key)?.kind;
  if (kind !== undefined && r.chance(0.6)) return b(r.pick(TYPED[kind] ?? ['']));
  return value(r);
}

const MARKERS = [
  '[ucernvm-begin]',
  '[ucernvm-end]',
  '[UCERNVM-BEGIN]',
  '[ucernvm-End]',
  ' [ucernvm-begin] ',
  '\t[ucernvm-end]',
  '[ucernvm-begin]x',
  '[ucernvm-begin ]',
  '#[ucernvm-end]',
  '[ucernvm-begin]#c',
];

/** One line of a text unit, without its line end. */
function entryLine(r: Rng, keys: readonly string[], g: Gen): Buffer {
  const pool = g.pool;
  const p = r.next();
  if (p < 0.2 && pool.length > 0) return r.pick(pool);
  if (p < 0.35) return b(r.pick(MARKERS));
  if (p < 0.42) return b(r.pick(['', ' ', '\t', '# comment', ' # x=1', '#cvmfs_branch=x']));
  const key = r.chance(0.75) ? r.pick(keys) : r.pick(ODD_KEYS);
  const sep = r.pick(['=', '=', '=', ' = ', '= ', ' =', '==']);
  let v = valueFor(r, key, g);
  const q = r.next();
  if (q < 0.15) v = Buffer.concat([b("'"), v, b("'")]);
  else if (q < 0.25) v = Buffer.concat([b('"'), v, b('"')]);
  const comment = r.chance(0.1) ? b(r.pick([' # c', '#c', '\t# c'])) : b('');
  return Buffer.concat([u(key), b(sep), v, comment]);
}

/** A text unit: lines with a chosen line-end style, optional BOM, optional blocks. */
export function textUnit(r: Rng, g: Gen): Buffer {
  // a few keys per unit, so that duplicates (§7.1) are common
  const unitKeys = Array.from({ length: r.int(1, 5) }, () => r.pick(g.keys));
  const style = r.pick(['\n', '\n', '\r\n', '\r', 'mixed']);
  const lines: Buffer[] = [];
  const inBlock = r.chance(0.6);
  if (inBlock) lines.push(b('[ucernvm-begin]'));
  const n = r.int(0, 10);
  for (let i = 0; i < n; i++) lines.push(entryLine(r, unitKeys, g));
  if (inBlock && r.chance(0.85)) lines.push(b('[ucernvm-end]'));
  if (r.chance(0.3)) lines.push(b(r.pick(['#!/bin/sh', 'echo hello', 'x=1', 'plain text'])));
  const out: Buffer[] = [];
  if (r.chance(0.1)) out.push(b('\xef\xbb\xbf'));
  if (r.chance(0.03)) out.push(b('\xef\xbb\xbf'));
  lines.forEach((line, i) => {
    out.push(line);
    const last = i === lines.length - 1;
    if (!last || r.chance(0.7))
      out.push(b(style === 'mixed' ? r.pick(['\n', '\r\n', '\r', '\r\r\n']) : style));
  });
  return Buffer.concat(out);
}

function base64Wrapped(r: Rng, data: Buffer): Buffer {
  let s = data.toString('base64');
  if (r.chance(0.3)) s = s.replace(/=+$/, '');
  if (r.chance(0.05)) s += '=';
  if (r.chance(0.05)) s = s.slice(0, s.length - 1);
  if (r.chance(0.05)) s = `${s.slice(0, 4)}*${s.slice(4)}`;
  const width = r.pick([0, 60, 76, 4, 7]);
  if (width > 0)
    s = (s.match(new RegExp(`.{1,${width}}`, 'g')) ?? []).join(r.pick(['\n', '\r\n', ' ']));
  return b(s);
}

function quotedPrintable(r: Rng, data: Buffer): Buffer {
  let out = '';
  let col = 0;
  for (const c of data) {
    let t: string;
    if (c === 0x0a && r.chance(0.7)) t = '\n';
    else if ((c >= 0x21 && c <= 0x7e && c !== 0x3d) || (c === 0x20 && r.chance(0.8)))
      t = String.fromCharCode(c);
    else t = `=${c.toString(16).padStart(2, '0')}`;
    if (r.chance(0.5)) t = t.toUpperCase();
    if (col + t.length > 75 && r.chance(0.8)) {
      out += r.pick(['=\n', '=\r\n', '= \n']);
      col = 0;
    }
    out += t;
    col = t === '\n' ? 0 : col + t.length;
  }
  if (r.chance(0.08)) out += r.pick(['=', '=G1', '=4', '=\t']);
  return b(out);
}

function gzipVariant(r: Rng, data: Buffer): Buffer {
  const z = gzipSync(data);
  const p = r.next();
  if (p < 0.55) return z;
  if (p < 0.65)
    return Buffer.concat([z, gzipSync(b('\n[ucernvm-begin]\ncvmfs_tag=m2\n[ucernvm-end]\n'))]);
  if (p < 0.75) return Buffer.concat([z, Buffer.alloc(r.int(1, 9))]);
  if (p < 0.85) return Buffer.concat([z, b(r.pick(['x', '\x00x', '\x1f\x8b']))]);
  if (p < 0.95) return z.subarray(0, r.int(2, z.length - 1));
  const bad = Buffer.from(z);
  const at = r.int(10, bad.length - 1);
  bad[at] = (bad[at] ?? 0) ^ 0x55;
  return bad;
}

const LEAF_TYPES = [
  'text/plain',
  'text/plain; charset="us-ascii"',
  'text/x-shellscript',
  'text/cloud-config',
  'application/x-gzip',
  'TEXT/PLAIN',
];

/** A MIME multipart body (§4.3), nesting up to `depth` more levels. */
function multipart(r: Rng, g: Gen, depth: number): Buffer {
  const boundary = r.pick(['XYZ', '==BOUNDARY==', 'b1', 'a b', '']);
  const crlf = r.chance(0.5) ? '\r\n' : '\n';
  const quoted = r.chance(0.6) ? `"${boundary}"` : boundary;
  const type = r.pick(['multipart/mixed', 'multipart/alternative', 'Multipart/Mixed']);
  const field = r.pick(['Content-Type:', 'content-type:', 'CONTENT-TYPE: ', 'Content-Type :']);
  const params = r.pick([
    `; boundary=${quoted}`,
    `; charset=utf-8; boundary=${quoted}`,
    `;${crlf} boundary=${quoted}`,
    `; BOUNDARY=${quoted}`,
    `; boundary=${quoted}; x=1`,
  ]);
  const version = r.chance(0.6) ? `MIME-Version: 1.0${crlf}` : '';
  const head = r.chance(0.5)
    ? `${field} ${type}${params}${crlf}${version}${crlf}`
    : `${version}${field} ${type}${params}${crlf}${crlf}`;
  const parts: Buffer[] = [b(head)];
  if (r.chance(0.4)) parts.push(textUnit(r, g));
  const n = r.int(0, 4);
  for (let i = 0; i < n; i++) {
    parts.push(b(`${r.chance(0.5) ? crlf : ''}--${boundary}${crlf}`));
    if (depth > 0 && r.chance(0.2)) {
      parts.push(multipart(r, g, depth - 1));
      continue;
    }
    let body: Buffer = textUnit(r, g);
    if (r.chance(0.2)) body = gzipVariant(r, body);
    const enc = r.pick([
      '',
      '7bit',
      'base64',
      'base64',
      'quoted-printable',
      'Quoted-Printable',
      '8bit',
      'x-uuencode',
    ]);
    if (enc.toLowerCase() === 'base64') body = base64Wrapped(r, body);
    else if (enc.toLowerCase() === 'quoted-printable') body = quotedPrintable(r, body);
    const h = `Content-Type: ${r.pick(LEAF_TYPES)}${crlf}${enc === '' ? '' : `Content-Transfer-Encoding: ${enc}${crlf}`}${crlf}`;
    parts.push(b(h), body);
  }
  if (r.chance(0.85)) parts.push(b(`${crlf}--${boundary}--${crlf}`));
  if (r.chance(0.2)) parts.push(b(`epilogue${crlf}`));
  return Buffer.concat(parts);
}

/** glideinWMS user data (§10): base64 of an `args` line with `.colon,`-style escapes, then the
 * `#### -cluster N -subcluster M####` pattern. */
function glidein(r: Rng): Buffer {
  const names: Record<string, string> = {
    ':': 'colon',
    '.': 'dot',
    ';': 'semicolon',
    '|': 'pipe',
    '-': 'minus',
  };
  const esc = (s: string): string => s.replace(/[:.;|-]/g, (c) => `.${names[c]},`);
  const proxy = r.pick([
    'http://squid.example.org:3128;DIRECT',
    'DIRECT',
    'http://a:1|http://b:2',
    'http://a b',
    'bad$',
  ]);
  const pac = r.pick(['http://wpad.example.org/wpad.dat', 'ftp://x', 'auto']);
  const args = [
    r.pick(['args', 'args', 'args', 'noargs']),
    r.chance(0.9) ? '-param_GLIDEIN_Client x' : '',
    r.chance(0.8) ? `-param_CERNVM_CMS_PROXY ${esc(proxy)}` : '',
    r.chance(0.5) ? `-param_CERNVM_CMS_PAC_URLS ${r.chance(0.8) ? esc(pac) : pac}` : '',
    r.chance(0.2) ? `-param_CERNVM_CMS_PROXY ${esc('http://second.example:80')}` : '',
    r.chance(0.1) ? '-param_CERNVM_CMS_PROXY' : '',
  ]
    .filter((s) => s !== '')
    .join(r.pick([' ', '  ', '\t']));
  const body = r.chance(0.2) ? `first line\r\n${args}\nlast` : args;
  let payload = b(body).toString('base64');
  const p = r.next();
  if (p < 0.15) payload = payload.replace(/=+$/, '');
  else if (p < 0.2) payload += '=';
  else if (p < 0.25) payload = payload.slice(0, -1);
  else if (p < 0.3)
    payload = `${payload.slice(0, 4)}${r.pick(['\\', '*', ' ', '.'])}${payload.slice(5)}`;
  const tail = r.chance(0.75)
    ? r.pick(['#### -cluster 1 -subcluster 0####', 'x#### -cluster 12 -subcluster 3####y'])
    : r.pick(['### -cluster 1 -subcluster 0####', '#### -Cluster 1 -subcluster 0####']);
  return b(
    `${r.chance(0.05) ? '\xef\xbb\xbf' : ''}${payload}${tail}${r.pick(['', '\n', '\r\n', '\n\n', ' x'])}`,
  );
}

/** Past the §13 limits: more than 256 keys or more than 1000 warnings in one input. */
function bigUnit(r: Rng): Buffer {
  const lines = ['[ucernvm-begin]'];
  const n = r.pick([255, 256, 257, 300, 999, 1000, 1001, 1100]);
  const keyShare = r.pick([1, 0, 0.5]);
  for (let i = 0; i < n; i++) lines.push(r.chance(keyShare) ? `k${i}=v` : `bad line ${i}`);
  lines.push('[ucernvm-end]', '');
  return b(lines.join(r.pick(['\n', '\r\n'])));
}

export interface ParseCase {
  user?: Buffer;
  extra?: Buffer[];
}

/** User data of every shape the parser handles, plus 0–3 extra chunks. */
export function parseCase(r: Rng, g: Gen): ParseCase {
  const p = r.next();
  let user: Buffer | undefined;
  if (p < 0.05) user = undefined;
  else if (p < 0.45) user = textUnit(r, g);
  else if (p < 0.58) user = gzipVariant(r, textUnit(r, g));
  else if (p < 0.8) user = multipart(r, g, r.int(0, 3));
  else if (p < 0.92) user = glidein(r);
  else if (p < 0.95) user = gzipVariant(r, multipart(r, g, 1));
  else if (p < 0.97) user = r.bytes(r.int(0, 64));
  else user = bigUnit(r);
  const c: ParseCase = {};
  if (user !== undefined) c.user = user;
  if (r.chance(0.45)) {
    const extra: Buffer[] = [];
    const n = r.int(1, 3);
    for (let i = 0; i < n; i++) {
      const q = r.next();
      if (q < 0.1) extra.push(b(''));
      else if (q < 0.2)
        extra.push(b(r.pick(['\xef\xbb\xbf', 'useglideinwms=0', 'useglideinwms=0\n'])));
      else if (q < 0.3) extra.push(gzipVariant(r, textUnit(r, g)));
      else extra.push(textUnit(r, g));
    }
    c.extra = extra;
  }
  return c;
}

/** A persisted ucontext file (§11.1/§11.2): quoted, legacy and broken lines. */
export function ucontextFile(r: Rng, g: Gen): Buffer {
  const eol = r.pick(['\n', '\r\n', 'mixed']);
  const out: Buffer[] = [];
  if (r.chance(0.7)) out.push(b('# ucvm-context 1\n'));
  const n = r.int(0, 10);
  for (let i = 0; i < n; i++) {
    const p = r.next();
    let line: Buffer;
    if (p < 0.1)
      line = b(
        r.pick(['', '  ', '\t', '# c', 'junk', '_UCONTEXT_=x', '_UCONTEXT_a=1', 'UCONTEXT_X=1']),
      );
    else {
      const key = r.pick(g.keys);
      const name = r.chance(0.85)
        ? key.toUpperCase()
        : r.pick(['X', 'A'.repeat(64), 'A'.repeat(65), '9A', 'A-B', 'Ab']);
      const v = valueFor(r, key, g);
      const q = r.next();
      let rest: Buffer;
      if (q < 0.6)
        rest = Buffer.concat([b("'"), b(v.toString('latin1').replace(/'/g, "'\\''")), b("'")]);
      else if (q < 0.7) rest = Buffer.concat([b("'"), v]);
      else if (q < 0.8) rest = Buffer.concat([b("'"), v, b("'x")]);
      else rest = v;
      line = Buffer.concat([b(`_UCONTEXT_${name}=`), rest]);
    }
    out.push(line, b(eol === 'mixed' ? r.pick(['\n', '\r\n', '\r\n\r']) : eol));
  }
  if (r.chance(0.2)) out.push(b('_UCONTEXT_CVMFS_TAG=last'));
  return Buffer.concat(out);
}

const CONTEXT_VALUES = [
  '10.0.0.5',
  'vm-1',
  'ssh-ed25519 AAAA k@h',
  '8.8.8.8 1.1.1.1',
  '',
  'a\nb',
  "it's",
  'x\\y',
];

/** An OpenNebula context.sh (§3.2): quoting styles, exports, expansions, user data. */
export function contextSh(r: Rng, pool: readonly Buffer[]): Buffer {
  const eol = r.chance(0.25) ? '\r\n' : '\n';
  const out: Buffer[] = [];
  const n = r.int(0, 9);
  const payload = (): string =>
    r.pick([
      '[ucernvm-begin]\ncvmfs_tag=t1\n[ucernvm-end]\n',
      'cvmfs_branch=x.cern.ch',
      '[ucernvm-begin]\r\nresize_rootfs=on\r\n',
    ]);
  for (let i = 0; i < n; i++) {
    const p = r.next();
    if (p < 0.2 && pool.length > 0) {
      out.push(r.pick(pool));
    } else if (p < 0.4) {
      const b64 = Buffer.from(payload()).toString('base64');
      const v = r.chance(0.2)
        ? `${b64.slice(0, 8)}${r.pick([' ', '\n', '\t', '*'])}${b64.slice(8)}`
        : b64;
      const name = r.pick(['USER_DATA', 'EC2_USER_DATA', 'USERDATA_ENCODING']);
      const val =
        name === 'USERDATA_ENCODING'
          ? r.pick(['base64', 'Base64', 'plain', ''])
          : r.chance(0.3)
            ? payload()
            : v;
      const q = r.pick(["'", '"', '']);
      out.push(b(`${name}=${q}${val}${q}`));
    } else {
      const name = r.pick([
        'ETH0_IP',
        'HOSTNAME',
        'SSH_PUBLIC_KEY',
        'DNS',
        'x',
        '_Y1',
        '1X',
        "O'Brien",
        'A B',
      ]);
      const v = (r.chance(0.5) ? b(r.pick(CONTEXT_VALUES)) : value(r)).toString('latin1');
      const style = r.pick(["'", '"', '', 'mix', 'esc']);
      let rhs: string;
      if (style === 'mix') rhs = `a"b ${v}"'c'd`;
      else if (style === 'esc') rhs = `"q\\"d \\\\ \\$x \\\` ${v}"`;
      else rhs = `${style}${v}${style}`;
      const pre = r.pick(['', '', 'export ', 'export  ', '  ']);
      const post = r.pick(['', '', ' # c', '; reboot', ' ', '\\']);
      out.push(b(`${pre}${name}=${rhs}${post}`));
    }
    out.push(b(eol));
  }
  return Buffer.concat(out);
}

/** An Azure CustomData.bin (§3.1): wrapped base64, plain text, broken padding, blanks. */
export function customData(r: Rng, g: Gen): Buffer {
  const p = r.next();
  if (p < 0.3) {
    const s = textUnit(r, g).toString('base64');
    return b((s.match(/.{1,76}/g) ?? []).join(r.pick(['\r\n', '\n'])));
  }
  if (p < 0.5) return base64Wrapped(r, textUnit(r, g));
  if (p < 0.6) return b(r.pick(['', '\n', '\r\n\r\n', ' ', '====', 'AAAA\tAAAA']));
  if (p < 0.7) return base64Wrapped(r, r.bytes(r.int(0, 40)));
  return textUnit(r, g);
}

const SPECIAL = [0x0a, 0x0d, 0x00, 0x27, 0x22, 0x5c, 0x3d, 0x23, 0x5b, 0x5d, 0x20, 0x09, 0x24];

/** 1–4 byte-level mutations of a corpus input: replace, insert, delete, duplicate, truncate. */
export function mutate(r: Rng, input: Buffer): Buffer {
  let out = Buffer.from(input);
  const n = r.int(1, 4);
  for (let i = 0; i < n; i++) {
    const at = r.int(0, out.length);
    const op = r.int(0, 4);
    const byte = r.chance(0.7) ? r.pick(SPECIAL) : r.int(0, 255);
    if (op === 0 && at < out.length) out[at] = byte;
    else if (op === 1)
      out = Buffer.concat([out.subarray(0, at), Buffer.of(byte), out.subarray(at)]);
    else if (op === 2) out = Buffer.concat([out.subarray(0, at), out.subarray(at + r.int(1, 8))]);
    else if (op === 3) {
      const end = Math.min(out.length, at + r.int(1, 40));
      out = Buffer.concat([out.subarray(0, end), out.subarray(at, end), out.subarray(end)]);
    } else out = out.subarray(0, at);
  }
  return out;
}
