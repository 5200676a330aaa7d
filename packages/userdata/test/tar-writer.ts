// A tiny tar writer for tests: builds well-formed and deliberately hostile archives that host
// tools refuse to create (absolute names, `..`, device nodes, conflicting long names).
import { gzipSync } from 'node:zlib';

export interface Entry {
  name: string;
  /** Typeflag character: '0' file, '1' hard link, '2' symlink, '3' char device, '5' dir, 'x', 'L', … */
  type?: string;
  data?: Uint8Array | string;
  /** Size field when it should differ from the data length (truncation tests). */
  size?: number;
  linkname?: string;
  mode?: number;
  uid?: number;
  gid?: number;
  mtime?: number;
  /** ustar prefix field (POSIX magic only). */
  prefix?: string;
  gnu?: boolean;
  /** Corrupt the checksum. */
  badChecksum?: boolean;
  /** Magic bytes override (e.g. all NUL for a v7 header). */
  magic?: Uint8Array;
}

const bytesOf = (s: Uint8Array | string): Uint8Array =>
  typeof s === 'string' ? new Uint8Array(Buffer.from(s, 'utf8')) : s;

function octal(block: Uint8Array, offset: number, length: number, value: number): void {
  const text = value.toString(8).padStart(length - 1, '0');
  block.set(Buffer.from(text, 'latin1'), offset);
}

export function header(e: Entry): Uint8Array {
  const block = new Uint8Array(512);
  const data = bytesOf(e.data ?? '');
  block.set(bytesOf(e.name).subarray(0, 100), 0);
  octal(block, 100, 8, e.mode ?? 0o644);
  octal(block, 108, 8, e.uid ?? 0);
  octal(block, 116, 8, e.gid ?? 0);
  octal(block, 124, 12, e.size ?? data.length);
  octal(block, 136, 12, e.mtime ?? 1_700_000_000);
  block[156] = (e.type ?? '0').charCodeAt(0);
  block.set(bytesOf(e.linkname ?? '').subarray(0, 100), 157);
  const magic = e.magic ?? Buffer.from(e.gnu ? 'ustar  \0' : 'ustar\x0000', 'latin1');
  block.set(magic, 257);
  if (e.prefix !== undefined) block.set(bytesOf(e.prefix), 345);
  block.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of block) sum += b;
  if (e.badChecksum) sum += 1;
  octal(block, 148, 7, sum);
  block[155] = 0x20;
  return block;
}

const pad = (n: number): number => Math.ceil(n / 512) * 512;

/** Header plus data padded to 512 bytes. */
export function member(e: Entry): Uint8Array {
  const data = bytesOf(e.data ?? '');
  const out = new Uint8Array(512 + pad(data.length));
  out.set(header(e));
  out.set(data, 512);
  return out;
}

/** A pax 'x' (or 'g') header carrying `records`. */
export function pax(records: Record<string, string>, type = 'x'): Uint8Array {
  let body = '';
  for (const [key, value] of Object.entries(records)) {
    const rest = ` ${key}=${value}\n`;
    let len = Buffer.byteLength(rest) + 1;
    while (String(len).length + Buffer.byteLength(rest) !== len) len++;
    body += `${len}${rest}`;
  }
  return member({ name: 'PaxHeaders/x', type, data: body });
}

/** A GNU 'L' (long name) or 'K' (long link) record. */
export function gnuLong(name: string, type = 'L'): Uint8Array {
  return member({ name: '././@LongLink', type, data: `${name}\0`, gnu: true });
}

export const END = new Uint8Array(1024);

export function concat(...parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}

/** Members (entries or pre-built blocks) + end-of-archive, gzip'ed. */
export function tgz(...parts: (Entry | Uint8Array)[]): Uint8Array {
  return gzip(tar(...parts));
}

export function tar(...parts: (Entry | Uint8Array)[]): Uint8Array {
  return concat(...parts.map((p) => (p instanceof Uint8Array ? p : member(p))), END);
}

export const gzip = (bytes: Uint8Array): Uint8Array =>
  new Uint8Array(gzipSync(bytes, { level: 1 }));
