import { InitrdError } from '../errors.js';
import { type ElfFileHeader, u64, viewOf } from './file-header.js';

/**
 * ELF64 section header (gABI "Sections"), e_shentsize = 64:
 *
 *   offset  size  field
 *        0     4  sh_name       offset of the name in the section-name string table
 *        4     4  sh_type
 *        8     8  sh_flags
 *       16     8  sh_addr
 *       24     8  sh_offset     file offset of the contents
 *       32     8  sh_size
 *       40     4  sh_link
 *       44     4  sh_info
 *       48     8  sh_addralign
 *       56     8  sh_entsize
 *
 * Used for kernel modules (ET_REL, no program headers): their `.modinfo` section.
 */
export const SHT_NOBITS = 8;

export interface SectionHeader {
  name: string;
  type: number;
  offset: number;
  size: number;
}

export function readSectionHeaders(
  bytes: Uint8Array,
  header: ElfFileHeader,
  name: string,
): SectionHeader[] {
  if (header.shnum === 0) return [];
  if (header.shentsize < 64 || header.shoff + header.shnum * header.shentsize > bytes.length) {
    throw new InitrdError(
      'ELF_MALFORMED',
      `${name}: section header table lies outside the file`,
      'the file is truncated or corrupt',
    );
  }
  const view = viewOf(bytes);
  const raw = [];
  for (let i = 0; i < header.shnum; i++) {
    const at = header.shoff + i * header.shentsize;
    raw.push({
      nameOffset: view.getUint32(at, true),
      type: view.getUint32(at + 4, true),
      offset: u64(view, at + 24, 'sh_offset'),
      size: u64(view, at + 32, 'sh_size'),
    });
  }
  const strtab = raw[header.shstrndx];
  return raw.map((s) => ({
    name: strtab ? cString(bytes, strtab.offset + s.nameOffset, strtab.offset + strtab.size) : '',
    type: s.type,
    offset: s.offset,
    size: s.size,
  }));
}

/** The contents of the named section, or undefined when absent. */
export function sectionContents(
  bytes: Uint8Array,
  sections: readonly SectionHeader[],
  wanted: string,
): Uint8Array | undefined {
  const s = sections.find((x) => x.name === wanted);
  if (!s || s.type === SHT_NOBITS) return undefined;
  if (s.offset + s.size > bytes.length) {
    throw new InitrdError(
      'ELF_MALFORMED',
      `section ${wanted} lies outside the file`,
      'the file is truncated or corrupt',
    );
  }
  return bytes.subarray(s.offset, s.offset + s.size);
}

/** A NUL-terminated string starting at `at`, not reading past `end`. */
export function cString(bytes: Uint8Array, at: number, end = bytes.length): string {
  let i = at;
  while (i < end && i < bytes.length && bytes[i] !== 0) i++;
  return Buffer.from(bytes.buffer, bytes.byteOffset + at, Math.max(0, i - at)).toString('utf8');
}
