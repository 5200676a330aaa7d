import { InitrdError } from '../errors.js';
import { u64, viewOf } from './file-header.js';
import { type ProgramHeader, PT_DYNAMIC, vaddrToOffset } from './program-header.js';
import { cString } from './section-header.js';

/**
 * ELF64 dynamic section (gABI "Dynamic Section"): an array of 16-byte entries
 *
 *   offset  size  field
 *        0     8  d_tag   DT_NULL 0 ends the array
 *        8     8  d_val   value or address (d_ptr)
 *
 * The string-valued tags (DT_NEEDED, DT_SONAME, DT_RPATH, DT_RUNPATH) are offsets into the
 * table at DT_STRTAB, which is a virtual address mapped through PT_LOAD.
 */
export const DT_NULL = 0;
export const DT_NEEDED = 1;
export const DT_STRTAB = 5;
export const DT_STRSZ = 10;
export const DT_SONAME = 14;
export const DT_RPATH = 15;
export const DT_RUNPATH = 29;

export interface DynamicInfo {
  needed: string[];
  soname?: string;
  /** DT_RPATH split at ':' (empty when absent). */
  rpath: string[];
  /** DT_RUNPATH split at ':' (empty when absent). */
  runpath: string[];
  hasRunpath: boolean;
}

export function readDynamic(
  bytes: Uint8Array,
  phdrs: readonly ProgramHeader[],
  name: string,
): DynamicInfo | undefined {
  const dyn = phdrs.find((p) => p.type === PT_DYNAMIC);
  if (!dyn) return undefined;
  if (dyn.offset + dyn.filesz > bytes.length) {
    throw new InitrdError(
      'ELF_MALFORMED',
      `${name}: PT_DYNAMIC lies outside the file`,
      'the file is truncated or corrupt',
    );
  }
  const view = viewOf(bytes);
  const strings: { tag: number; offset: number }[] = [];
  let strtab: number | undefined;
  let strsz = 0;
  for (let at = dyn.offset; at + 16 <= dyn.offset + dyn.filesz; at += 16) {
    const tag = Number(view.getBigInt64(at, true));
    if (tag === DT_NULL) break;
    const val = u64(view, at + 8, 'd_val');
    if (tag === DT_STRTAB) strtab = val;
    else if (tag === DT_STRSZ) strsz = val;
    else if (tag === DT_NEEDED || tag === DT_SONAME || tag === DT_RPATH || tag === DT_RUNPATH)
      strings.push({ tag, offset: val });
  }
  const info: DynamicInfo = { needed: [], rpath: [], runpath: [], hasRunpath: false };
  if (strings.length === 0) return info;
  const base = strtab === undefined ? undefined : vaddrToOffset(phdrs, strtab);
  if (base === undefined) {
    throw new InitrdError(
      'ELF_MALFORMED',
      `${name}: DT_STRTAB does not map into the file`,
      'the file is corrupt',
    );
  }
  const end = strsz > 0 ? base + strsz : bytes.length;
  for (const s of strings) {
    const value = cString(bytes, base + s.offset, end);
    if (s.tag === DT_NEEDED) info.needed.push(value);
    else if (s.tag === DT_SONAME) info.soname = value;
    else if (s.tag === DT_RPATH) info.rpath.push(...value.split(':').filter(Boolean));
    else {
      info.runpath.push(...value.split(':').filter(Boolean));
      info.hasRunpath = true;
    }
  }
  return info;
}
