// Minimal archive writers for tests only: they build fixtures (including malicious ones that
// host tools refuse to create) so no binary fixture is committed. Not exported by the package.
import { gzipSync } from 'node:zlib';

const enc = new TextEncoder();

export interface TarSpec {
  name: string;
  type?: 'file' | 'dir' | 'symlink' | 'hardlink' | 'chardev' | 'fifo';
  mode?: number;
  data?: string | Uint8Array;
  linkname?: string;
}

const TYPEFLAG = {
  file: '0',
  hardlink: '1',
  symlink: '2',
  chardev: '3',
  dir: '5',
  fifo: '6',
} as const;

function octal(value: number, width: number): string {
  return `${value.toString(8).padStart(width - 1, '0')}\0`;
}

function tarHeader(
  name: string,
  typeflag: string,
  mode: number,
  size: number,
  linkname: string,
): Uint8Array {
  const h = new Uint8Array(512);
  const put = (at: number, text: string): void => {
    h.set(enc.encode(text), at);
  };
  put(0, name);
  put(100, octal(mode, 8));
  put(108, octal(0, 8));
  put(116, octal(0, 8));
  put(124, octal(size, 12));
  put(136, octal(0, 12));
  put(148, '        ');
  put(156, typeflag);
  put(157, linkname);
  put(257, 'ustar\u000000');
  let sum = 0;
  for (const b of h) sum += b;
  put(148, `${sum.toString(8).padStart(6, '0')}\0 `);
  return h;
}

const padBlock = (data: Uint8Array): Uint8Array => {
  const out = new Uint8Array(Math.ceil(data.length / 512) * 512);
  out.set(data);
  return out;
};

/** ustar writer; names longer than 100 bytes get a pax "x" header. */
export function writeTar(specs: TarSpec[]): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const spec of specs) {
    const type = spec.type ?? 'file';
    const data =
      typeof spec.data === 'string' ? enc.encode(spec.data) : (spec.data ?? new Uint8Array());
    let name = spec.name;
    if (enc.encode(name).length > 100) {
      const body = ` path=${name}\n`;
      let len = body.length;
      while (`${len}${body}`.length !== len) len = `${len}${body}`.length;
      const record = enc.encode(`${len}${body}`);
      parts.push(tarHeader('PaxHeader', 'x', 0o644, record.length, ''), padBlock(record));
      name = name.slice(0, 99);
    }
    const size = type === 'file' ? data.length : 0;
    parts.push(
      tarHeader(
        name,
        TYPEFLAG[type],
        spec.mode ?? (type === 'dir' ? 0o755 : 0o644),
        size,
        spec.linkname ?? '',
      ),
    );
    if (size > 0) parts.push(padBlock(data));
  }
  parts.push(new Uint8Array(1024));
  return Buffer.concat(parts);
}

/** ar writer in dpkg-deb's style (names padded with spaces, no trailing slash). */
export function writeAr(members: { name: string; data: Uint8Array | string }[]): Uint8Array {
  const parts: Uint8Array[] = [enc.encode('!<arch>\n')];
  for (const m of members) {
    const data = typeof m.data === 'string' ? enc.encode(m.data) : m.data;
    const header =
      m.name.padEnd(16) +
      '0'.padEnd(12) +
      '0'.padEnd(6) +
      '0'.padEnd(6) +
      '100644'.padEnd(8) +
      String(data.length).padEnd(10) +
      '`\n';
    parts.push(enc.encode(header), data);
    if (data.length % 2) parts.push(enc.encode('\n'));
  }
  return Buffer.concat(parts);
}

/** A .deb whose data.tar.gz is the given tar. */
export function writeDeb(dataTar: Uint8Array): Uint8Array {
  return writeAr([
    { name: 'debian-binary', data: '2.0\n' },
    {
      name: 'control.tar.gz',
      data: gzipSync(writeTar([{ name: './control', data: 'Package: t\n' }])),
    },
    { name: 'data.tar.gz', data: gzipSync(dataTar) },
  ]);
}

export interface CpioSpec {
  name: string;
  /** Full st_mode including the file type bits. */
  mode: number;
  data?: string | Uint8Array;
  ino?: number;
  nlink?: number;
}

/** newc cpio writer (rpm payload style: names start with "./"). */
export function writeCpioNewc(specs: CpioSpec[]): Uint8Array {
  const parts: Uint8Array[] = [];
  let offset = 0;
  const push = (b: Uint8Array): void => {
    parts.push(b);
    offset += b.length;
  };
  const align = (): void => {
    if (offset % 4) push(new Uint8Array(4 - (offset % 4)));
  };
  const all = [...specs, { name: 'TRAILER!!!', mode: 0, ino: 0, nlink: 1 }];
  all.forEach((spec, i) => {
    const data =
      typeof spec.data === 'string' ? enc.encode(spec.data) : (spec.data ?? new Uint8Array());
    const name = enc.encode(`${spec.name}\0`);
    const fields = [
      spec.ino ?? i + 1,
      spec.mode,
      0,
      0,
      spec.nlink ?? 1,
      0,
      data.length,
      0,
      0,
      0,
      0,
      name.length,
      0,
    ];
    push(enc.encode(`070701${fields.map((f) => f.toString(16).padStart(8, '0')).join('')}`));
    push(name);
    align();
    push(data);
    align();
  });
  return Buffer.concat(parts);
}

function rpmHeader(tags: { tag: number; type: number; value: string | Uint8Array }[]): Uint8Array {
  const index: number[] = [];
  const store: number[] = [];
  for (const t of tags) {
    const bytes = typeof t.value === 'string' ? [...enc.encode(t.value), 0] : [...t.value];
    const entry = Buffer.alloc(16);
    entry.writeInt32BE(t.tag, 0);
    entry.writeUInt32BE(t.type, 4);
    entry.writeInt32BE(store.length, 8);
    entry.writeUInt32BE(typeof t.value === 'string' ? 1 : bytes.length, 12);
    index.push(...entry);
    store.push(...bytes);
  }
  const head = Buffer.alloc(16);
  head.set([0x8e, 0xad, 0xe8, 0x01], 0);
  head.writeUInt32BE(tags.length, 8);
  head.writeUInt32BE(store.length, 12);
  return Buffer.concat([head, Uint8Array.from(index), Uint8Array.from(store)]);
}

/** Minimal rpm v3/v4 file: lead, signature header (padded to 8), main header, payload. */
export function writeRpm(
  name: string,
  compressor: string | undefined,
  payload: Uint8Array,
): Uint8Array {
  const lead = Buffer.alloc(96);
  lead.set([0xed, 0xab, 0xee, 0xdb, 3, 0], 0);
  lead.write(name, 10, 'latin1');
  lead.writeUInt16BE(1, 76);
  lead.writeUInt16BE(5, 78);
  // A 5-byte BIN tag makes the signature header length not a multiple of 8: exercises padding.
  const signature = rpmHeader([{ tag: 1004, type: 7, value: Uint8Array.from([1, 2, 3, 4, 5]) }]);
  const pad = new Uint8Array((8 - (signature.length % 8)) % 8);
  const STRING = 6;
  const tags = [
    { tag: 1000, type: STRING, value: name },
    { tag: 1001, type: STRING, value: '1.0' },
    { tag: 1002, type: STRING, value: '1' },
    { tag: 1022, type: STRING, value: 'noarch' },
    { tag: 1124, type: STRING, value: 'cpio' },
  ];
  if (compressor !== undefined) tags.push({ tag: 1125, type: STRING, value: compressor });
  return Buffer.concat([lead, signature, pad, rpmHeader(tags), payload]);
}

/** A sorted description of a directory tree (type, permission bits, content hash, link). */
export async function describeTree(root: string): Promise<string[]> {
  const { createHash } = await import('node:crypto');
  const fs = await import('node:fs/promises');
  const path = await import('node:path');
  const out: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    const names = (await fs.readdir(path.join(root, rel))).sort();
    for (const name of names) {
      const r = rel ? `${rel}/${name}` : name;
      const p = path.join(root, r);
      const st = await fs.lstat(p);
      const mode = (st.mode & 0o7777).toString(8);
      if (st.isSymbolicLink()) out.push(`${r} symlink -> ${await fs.readlink(p)}`);
      else if (st.isDirectory()) {
        out.push(`${r} dir ${mode}`);
        await walk(r);
      } else {
        const hash = createHash('sha256')
          .update(await fs.readFile(p))
          .digest('hex')
          .slice(0, 16);
        out.push(`${r} file ${mode} ${st.size} ${hash}`);
      }
    }
  };
  await walk('');
  return out;
}
