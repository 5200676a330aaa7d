// Build-time check of a `cernvm_inject` archive (userdata.md §8.2, §8.3): the same rules and
// reason strings as the runtime's ucvm-untar. It reads the archive and never extracts anything.
import { gunzipLimited } from './gunzip-limited.js';
import { parsePaxRecords, paxInteger, paxTime } from './pax.js';
import { BLOCK, cString, isZeroBlock, parseHeader } from './tar-header.js';

export interface InjectMember {
  /** Name after pax/GNU long-name records, leading `./` removed (`.` for the archive root). */
  name: string;
  type: 'file' | 'directory' | 'symlink' | 'hardlink';
  /** Data bytes of a regular file; 0 for the other types. */
  size: number;
  /** Permission bits including set-uid, set-gid and sticky (kept on extraction). */
  mode: number;
  uid: number;
  gid: number;
  mtime: number;
  /** Symlink target as stored; hard-link target with leading `./` removed. */
  linkTarget?: string;
}

export type InjectCheckResult =
  | { ok: true; members: InjectMember[]; expandedSize: number }
  | { ok: false; reason: string };

/** §13 limits. */
const MAX_COMPRESSED = 9 * 1024 * 1024;
const MAX_EXPANDED = 256 * 1024 * 1024;
const MAX_MEMBERS = 100_000;

const TYPES: Record<number, InjectMember['type']> = {
  0: 'file',
  48: 'file', // '0'
  49: 'hardlink', // '1'
  50: 'symlink', // '2'
  53: 'directory', // '5'
};
const PAX_LOCAL = 0x78; // 'x'
const PAX_GLOBAL = 0x67; // 'g'
const GNU_LONG_NAME = 0x4c; // 'L'
const GNU_LONG_LINK = 0x4b; // 'K'

class Refused extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

const utf8 = new TextDecoder('utf-8');
/** Names are handled as latin1 strings (one code unit per byte) so comparisons are byte-exact. */
function latin1(bytes: Uint8Array): string {
  if (bytes.length > 256)
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1');
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return s;
}
/** The name as text for members and reasons (UTF-8, invalid sequences as U+FFFD). */
const display = (latin: string): string =>
  /^[\x20-\x7e]*$/.test(latin) ? latin : utf8.decode(Buffer.from(latin, 'latin1'));

/** Removes every leading `./` (§8.2). */
function stripDotSlash(name: string): string {
  let n = name;
  while (n.startsWith('./')) n = n.slice(2);
  return n;
}

/** Path components without empty and `.` ones: the key under which extraction creates it. */
const pathKey = (name: string): string =>
  name
    .split('/')
    .filter((c) => c !== '' && c !== '.')
    .join('/');

/** Proper ancestors of a path key, shortest first ("a/b/c" → "a", "a/b"). */
function* ancestors(key: string): Generator<string> {
  for (let i = key.indexOf('/'); i >= 0; i = key.indexOf('/', i + 1)) yield key.slice(0, i);
}

/**
 * Checks a decoded `cernvm_inject` value (or `pickup.tar.gz` with `maxCompressed` 64 MiB).
 * Never throws; a refusal carries exactly the §8.2 reason.
 */
export function checkInjectArchive(
  decoded: Uint8Array,
  opts: { maxCompressed?: number } = {},
): InjectCheckResult {
  if (decoded[0] !== 0x1f || decoded[1] !== 0x8b) return { ok: false, reason: 'not gzip' };
  if (decoded.length > (opts.maxCompressed ?? MAX_COMPRESSED))
    return { ok: false, reason: 'too large' };
  const tar = gunzipLimited(decoded, MAX_EXPANDED);
  if (!tar.ok) return { ok: false, reason: tar.reason };
  try {
    return { ok: true, members: walk(tar.data), expandedSize: tar.data.length };
  } catch (error) {
    if (error instanceof Refused) return { ok: false, reason: error.reason };
    throw error;
  }
}

/** Overrides collected from pax/GNU records for the next member. */
interface Pending {
  path?: string;
  linkpath?: string;
  size?: number;
  uid?: number;
  gid?: number;
  mtime?: number;
  longName?: string;
  longLink?: string;
}

function walk(data: Uint8Array): InjectMember[] {
  const members: InjectMember[] = [];
  const symlinks = new Set<string>();
  const regularFiles = new Set<string>();
  let global: Pending = {};
  let pending: Pending = {};
  let hasPending = false;
  let offset = 0;

  for (;;) {
    if (offset + BLOCK > data.length) throw new Refused('corrupt'); // no end-of-archive block
    const block = data.subarray(offset, offset + BLOCK);
    if (isZeroBlock(block)) {
      // End of archive: what follows is zero padding, and no record may be left dangling.
      if (hasPending || !data.subarray(offset).every((b) => b === 0)) throw new Refused('corrupt');
      return members;
    }
    const header = parseHeader(block);
    if (header === null) throw new Refused('corrupt');
    offset += BLOCK;
    const { typeflag } = header;

    if (
      typeflag === PAX_LOCAL ||
      typeflag === PAX_GLOBAL ||
      typeflag === GNU_LONG_NAME ||
      typeflag === GNU_LONG_LINK
    ) {
      const body = take(data, offset, header.size);
      offset += padded(header.size);
      if (typeflag === GNU_LONG_NAME) pending.longName = longNameOf(body);
      else if (typeflag === GNU_LONG_LINK) pending.longLink = longNameOf(body);
      else if (typeflag === PAX_LOCAL) pending = { ...pending, ...paxOverrides(body) };
      else global = { ...global, ...globalOverrides(body) };
      hasPending = typeflag !== PAX_GLOBAL || hasPending;
      continue;
    }

    const rec = { ...global, ...pending };
    pending = {};
    hasPending = false;
    const size = rec.size ?? header.size;
    const rawName = pick(rec.path, rec.longName, latin1(header.name));
    const member = checkMember(rawName, typeflag, symlinks);
    if (member.type === 'file') {
      take(data, offset, size); // truncated data → corrupt
      offset += padded(size);
    } else if (size !== 0) {
      throw new Refused('corrupt'); // only regular files carry data here
    }
    if (members.length === MAX_MEMBERS) throw new Refused('too large');

    const entry: InjectMember = {
      name: display(member.name),
      type: member.type,
      size: member.type === 'file' ? size : 0,
      mode: header.mode & 0o7777,
      uid: rec.uid ?? header.uid,
      gid: rec.gid ?? header.gid,
      mtime: rec.mtime ?? header.mtime,
    };
    if (member.type === 'symlink' || member.type === 'hardlink') {
      const target = pick(rec.linkpath, rec.longLink, latin1(header.linkname));
      if (target.includes('\0')) throw new Refused('corrupt');
      entry.linkTarget = display(
        member.type === 'hardlink'
          ? checkHardLink(target, member.name, symlinks, regularFiles)
          : target,
      );
    }
    // The path now holds this member: it is a regular file only if this one is.
    regularFiles.delete(member.key);
    if (member.type === 'file') regularFiles.add(member.key);
    if (member.type === 'symlink') symlinks.add(member.key);
    members.push(entry);
  }
}

/** §8.2 name and type rules for one member. */
function checkMember(
  rawName: string,
  typeflag: number,
  symlinks: Set<string>,
): { name: string; key: string; type: InjectMember['type'] } {
  if (rawName.includes('\0')) throw new Refused('corrupt');
  let name = stripDotSlash(rawName);
  const type = TYPES[typeflag];
  // `tar -C dir .` stores the root as "./": the archive root, not an empty name.
  if (name === '' && rawName !== '' && type === 'directory') name = '.';
  if (name === '') throw new Refused('corrupt');
  const shown = display(name);
  if (name.startsWith('/')) throw new Refused(`absolute path ${shown}`);
  if (name.split('/').includes('..')) throw new Refused(`parent reference ${shown}`);
  if (type === undefined) throw new Refused(`unsupported type ${shown}`);
  const key = pathKey(name);
  for (const ancestor of ancestors(key)) {
    if (symlinks.has(ancestor)) throw new Refused(`through symlink ${shown}`);
  }
  return { name, key, type };
}

/** §8.2: relative, no `..`, an earlier regular-file member not reached through a symlink. */
function checkHardLink(
  rawTarget: string,
  name: string,
  symlinks: Set<string>,
  regularFiles: Set<string>,
): string {
  const target = stripDotSlash(rawTarget);
  const key = pathKey(target);
  const escapes =
    target === '' ||
    target.startsWith('/') ||
    target.split('/').includes('..') ||
    !regularFiles.has(key) ||
    [...ancestors(key)].some((a) => symlinks.has(a));
  if (escapes) throw new Refused(`link escapes ${display(name)}`);
  return target;
}

/** One name source; two different ones (pax and GNU) would let extractors disagree. */
function pick(pax: string | undefined, gnu: string | undefined, header: string): string {
  if (pax !== undefined && gnu !== undefined && pax !== gnu) throw new Refused('corrupt');
  return pax ?? gnu ?? header;
}

const padded = (size: number): number => Math.ceil(size / BLOCK) * BLOCK;

function take(data: Uint8Array, offset: number, size: number): Uint8Array {
  if (offset + size > data.length) throw new Refused('corrupt');
  return data.subarray(offset, offset + size);
}

/** GNU 'L'/'K' data: the name, then only NUL bytes. */
function longNameOf(body: Uint8Array): string {
  const name = cString(body);
  if (!body.subarray(name.length).every((b) => b === 0)) throw new Refused('corrupt');
  return latin1(name);
}

function paxOverrides(body: Uint8Array): Pending {
  const records = parsePaxRecords(body);
  if (records === null) throw new Refused('corrupt');
  const out: Pending = {};
  for (const [keyword, value] of records) {
    // An empty value cancels the keyword (POSIX): the header field applies again.
    const set = value.length > 0;
    if (keyword === 'path') out.path = set ? latin1(value) : undefined;
    else if (keyword === 'linkpath') out.linkpath = set ? latin1(value) : undefined;
    else if (keyword === 'size') out.size = set ? number(paxInteger(value)) : undefined;
    else if (keyword === 'uid') out.uid = set ? number(paxInteger(value)) : undefined;
    else if (keyword === 'gid') out.gid = set ? number(paxInteger(value)) : undefined;
    else if (keyword === 'mtime') out.mtime = set ? number(paxTime(value)) : undefined;
  }
  return out;
}

/**
 * Global ('g') records: owner and time only. A global path, linkpath or size is refused, since
 * extractors that skip global headers would then extract names this check never saw.
 */
function globalOverrides(body: Uint8Array): Pending {
  const out = paxOverrides(body);
  if (out.path !== undefined || out.linkpath !== undefined || out.size !== undefined) {
    throw new Refused('corrupt');
  }
  return out;
}

function number(value: number | null): number {
  if (value === null) throw new Refused('corrupt');
  return value;
}
