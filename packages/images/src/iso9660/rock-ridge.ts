import { both32 } from './both-endian.js';

// System Use Sharing Protocol (SUSP 1.12) and Rock Ridge (RRIP 1.12, "RRIP_1991A") entries.
// Every entry: 0 signature (2)  2 length  3 version 1  4.. data.

function entry(sig: string, data: Buffer | number[]): Buffer {
  const d = Buffer.isBuffer(data) ? data : Buffer.from(data);
  const e = Buffer.alloc(4 + d.length);
  e.write(sig, 0, 'latin1');
  e[2] = e.length;
  e[3] = 1;
  d.copy(e, 4);
  return e;
}

/** SUSP §5.3 SP: first entry of the root's "." record; 0xBE 0xEF check bytes, skip 0. */
export const sp = () => entry('SP', [0xbe, 0xef, 0]);

/** SUSP §5.1 CE: continuation area at (block, offset) of `length` bytes. 28 bytes. */
export function ce(block: number, offset: number, length: number): Buffer {
  const d = Buffer.alloc(24);
  both32(d, block, 0);
  both32(d, offset, 8);
  both32(d, length, 16);
  return entry('CE', d);
}
export const CE_LENGTH = 28;

const RRIP_ID = 'RRIP_1991A';
const RRIP_DES =
  'THE ROCK RIDGE INTERCHANGE PROTOCOL PROVIDES SUPPORT FOR POSIX FILE SYSTEM SEMANTICS';
const RRIP_SRC =
  'PLEASE CONTACT DISC PUBLISHER FOR SPECIFICATION SOURCE.  SEE PUBLISHER IDENTIFIER IN PRIMARY VOLUME DESCRIPTOR FOR CONTACT INFORMATION.';

/** SUSP §5.5 ER: declares the Rock Ridge extension (in the root's continuation area). */
export function er(): Buffer {
  const head = Buffer.from([RRIP_ID.length, RRIP_DES.length, RRIP_SRC.length, 1]);
  return entry('ER', Buffer.concat([head, Buffer.from(RRIP_ID + RRIP_DES + RRIP_SRC, 'latin1')]));
}

/** RRIP §4.1.1 PX (1991A form, 36 bytes): mode, links, uid, gid, each both-endian. */
export function px(mode: number, links: number): Buffer {
  const d = Buffer.alloc(32);
  both32(d, mode, 0);
  both32(d, links, 8);
  both32(d, 0, 16); // uid 0, gid 0: nothing of the builder's identity (build.md §7)
  both32(d, 0, 24);
  return entry('PX', d);
}

/** ECMA-119 §9.1.5 7-byte date (UTC, offset 0). */
export function date7(epoch: number): Buffer {
  const d = new Date(epoch * 1000);
  return Buffer.from([
    d.getUTCFullYear() - 1900,
    d.getUTCMonth() + 1,
    d.getUTCDate(),
    d.getUTCHours(),
    d.getUTCMinutes(),
    d.getUTCSeconds(),
    0,
  ]);
}

/** RRIP §4.1.6 TF: modify, access and attribute-change times, all SOURCE_DATE_EPOCH. */
export function tf(epoch: number): Buffer {
  const t = date7(epoch);
  return entry('TF', Buffer.concat([Buffer.from([0x0e]), t, t, t]));
}

/** RRIP §4.1.4 NM: the POSIX name, split into entries of at most 250 bytes (flag 1 = continues). */
export function nm(name: string): Buffer[] {
  const bytes = Buffer.from(name, 'utf8');
  const out: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += 250) {
    const part = bytes.subarray(at, at + 250);
    out.push(entry('NM', Buffer.concat([Buffer.from([at + 250 < bytes.length ? 1 : 0]), part])));
  }
  return out;
}

/**
 * RRIP §4.1.3 SL: the symlink target as components (flags 2 ".", 4 "..", 8 root, 1 continues).
 * Split over several SL entries when longer than one entry holds.
 */
export function sl(target: string): Buffer[] {
  const comps: Buffer[] = [];
  const parts = target.split('/');
  if (target.startsWith('/')) {
    comps.push(Buffer.from([8, 0]));
    parts.shift();
  }
  for (const p of parts) {
    if (p === '') continue;
    if (p === '.') comps.push(Buffer.from([2, 0]));
    else if (p === '..') comps.push(Buffer.from([4, 0]));
    else {
      const b = Buffer.from(p, 'utf8');
      for (let at = 0; at < b.length; at += 200) {
        const piece = b.subarray(at, at + 200);
        comps.push(
          Buffer.concat([Buffer.from([at + 200 < b.length ? 1 : 0, piece.length]), piece]),
        );
      }
    }
  }
  const out: Buffer[] = [];
  let cur: Buffer[] = [];
  let len = 0;
  const flush = (more: boolean) => {
    out.push(entry('SL', Buffer.concat([Buffer.from([more ? 1 : 0]), ...cur])));
    cur = [];
    len = 0;
  };
  for (const c of comps) {
    if (len + c.length > 250) flush(true);
    cur.push(c);
    len += c.length;
  }
  flush(false);
  return out;
}

export interface RockRidgeInfo {
  name?: string;
  mode?: number;
  links?: number;
  target?: string;
  continuation?: { block: number; offset: number; length: number };
  hasSp?: boolean;
  erId?: string;
}

/** Parses a System Use area (reader side); CE is reported for the caller to follow. */
export function parseSystemUse(su: Uint8Array, into: RockRidgeInfo = {}): RockRidgeInfo {
  const b = Buffer.from(su.buffer, su.byteOffset, su.byteLength);
  let nameParts = into.name ?? '';
  let linkComps = into.target !== undefined ? [into.target] : [];
  let pendingComp = '';
  for (let o = 0; o + 4 <= b.length; ) {
    const sig = b.toString('latin1', o, o + 2);
    const len = b[o + 2]!;
    if (len < 4 || o + len > b.length) break;
    const d = b.subarray(o + 4, o + len);
    if (sig === 'SP') into.hasSp = true;
    else if (sig === 'PX') {
      into.mode = d.readUInt32LE(0);
      into.links = d.readUInt32LE(8);
    } else if (sig === 'NM') nameParts += d.toString('utf8', 1);
    else if (sig === 'CE')
      into.continuation = {
        block: d.readUInt32LE(0),
        offset: d.readUInt32LE(8),
        length: d.readUInt32LE(16),
      };
    else if (sig === 'ER') into.erId = d.toString('latin1', 4, 4 + d[0]!);
    else if (sig === 'SL') {
      for (let c = 1; c + 2 <= d.length; ) {
        const flags = d[c]!;
        const clen = d[c + 1]!;
        const text = d.toString('utf8', c + 2, c + 2 + clen);
        const value = flags & 8 ? '' : flags & 2 ? '.' : flags & 4 ? '..' : pendingComp + text;
        if (flags & 1) pendingComp += text;
        else {
          linkComps.push(value);
          pendingComp = '';
        }
        c += 2 + clen;
      }
    } else if (sig === 'ST') break;
    o += len;
  }
  if (nameParts) into.name = nameParts;
  if (linkComps.length) {
    const t = linkComps.join('/');
    into.target = t === '' ? '/' : t;
    linkComps = [];
  }
  return into;
}
