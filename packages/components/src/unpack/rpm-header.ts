import { HINT_CORRUPT, UnpackError } from './errors.js';

// RPM header structure (used for both the signature and the main header):
// magic[3] @0 = 8E AD E8, version @3 = 1, reserved[4] @4, index count u32be @8,
// data size u32be @12, then count × 16-byte index entries {tag i32, type u32, offset i32,
// count u32} (big-endian), then the data store.
export const HEADER_MAGIC = [0x8e, 0xad, 0xe8, 0x01];

export const RPMTAG = {
  NAME: 1000,
  VERSION: 1001,
  RELEASE: 1002,
  ARCH: 1022,
  PAYLOADFORMAT: 1124,
  PAYLOADCOMPRESSOR: 1125,
} as const;

const TYPE_INT8 = 2;
const TYPE_INT16 = 3;
const TYPE_INT32 = 4;
const TYPE_STRING = 6;
const TYPE_BIN = 7;
const TYPE_STRING_ARRAY = 8;
const TYPE_I18NSTRING = 9;

export type RpmTagValue = string | string[] | number[] | Uint8Array;

export interface RpmHeader {
  tags: Map<number, RpmTagValue>;
  /** Bytes from the header magic to the end of its data store. */
  length: number;
}

export function readRpmHeader(
  bytes: Uint8Array,
  at: number,
  archive: string,
  which: string,
): RpmHeader {
  const fail = (what: string): never => {
    throw new UnpackError(
      'UNPACK_MALFORMED',
      archive,
      undefined,
      `rpm ${which} header: ${what}`,
      HINT_CORRUPT,
    );
  };
  if (at + 16 > bytes.length || HEADER_MAGIC.some((m, i) => bytes[at + i] !== m))
    fail(`no magic at offset ${at}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = view.getUint32(at + 8);
  const dataSize = view.getUint32(at + 12);
  const store = at + 16 + count * 16;
  const length = 16 + count * 16 + dataSize;
  if (at + length > bytes.length)
    fail(`${count} entries and ${dataSize} data bytes run past the end of the file`);
  const cString = (from: number): [string, number] => {
    const end = bytes.indexOf(0, from);
    if (end < 0 || end >= store + dataSize) fail('unterminated string');
    return [new TextDecoder('utf-8').decode(bytes.subarray(from, end)), end + 1];
  };
  const tags = new Map<number, RpmTagValue>();
  for (let i = 0; i < count; i++) {
    const entry = at + 16 + i * 16;
    const tag = view.getInt32(entry);
    const type = view.getUint32(entry + 4);
    const offset = view.getInt32(entry + 8);
    const n = view.getUint32(entry + 12);
    if (offset < 0 || offset > dataSize) fail(`tag ${tag} points outside the data store`);
    const from = store + offset;
    switch (type) {
      case TYPE_STRING:
        tags.set(tag, cString(from)[0]);
        break;
      case TYPE_STRING_ARRAY:
      case TYPE_I18NSTRING: {
        const list: string[] = [];
        let p = from;
        for (let k = 0; k < n; k++) {
          const [s, next] = cString(p);
          list.push(s);
          p = next;
        }
        tags.set(tag, list);
        break;
      }
      case TYPE_INT8:
      case TYPE_INT16:
      case TYPE_INT32: {
        const width = type === TYPE_INT8 ? 1 : type === TYPE_INT16 ? 2 : 4;
        if (from + n * width > store + dataSize) fail(`tag ${tag} runs past the data store`);
        const list: number[] = [];
        for (let k = 0; k < n; k++) {
          const p = from + k * width;
          list.push(
            width === 1 ? view.getUint8(p) : width === 2 ? view.getUint16(p) : view.getUint32(p),
          );
        }
        tags.set(tag, list);
        break;
      }
      case TYPE_BIN:
        if (from + n > store + dataSize) fail(`tag ${tag} runs past the data store`);
        tags.set(tag, bytes.subarray(from, from + n));
        break;
      default:
        break; // CHAR, INT64, NULL: not needed for unpacking
    }
  }
  return { tags, length };
}

export function stringTag(header: RpmHeader, tag: number): string | undefined {
  const value = header.tags.get(tag);
  return typeof value === 'string' ? value : undefined;
}
