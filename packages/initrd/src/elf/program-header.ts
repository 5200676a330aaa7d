import { InitrdError } from '../errors.js';
import { type ElfFileHeader, u64, viewOf } from './file-header.js';

/**
 * ELF64 program header (gABI "Program Header"), e_phentsize = 56:
 *
 *   offset  size  field
 *        0     4  p_type    1 LOAD, 2 DYNAMIC, 3 INTERP
 *        4     4  p_flags
 *        8     8  p_offset  file offset of the segment
 *       16     8  p_vaddr
 *       24     8  p_paddr
 *       32     8  p_filesz
 *       40     8  p_memsz
 *       48     8  p_align
 */
export const PT_LOAD = 1;
export const PT_DYNAMIC = 2;
export const PT_INTERP = 3;

export interface ProgramHeader {
  type: number;
  offset: number;
  vaddr: number;
  filesz: number;
}

export function readProgramHeaders(
  bytes: Uint8Array,
  header: ElfFileHeader,
  name: string,
): ProgramHeader[] {
  if (header.phnum === 0) return [];
  if (header.phentsize < 56 || header.phoff + header.phnum * header.phentsize > bytes.length) {
    throw new InitrdError(
      'ELF_MALFORMED',
      `${name}: program header table lies outside the file`,
      'the file is truncated or corrupt',
    );
  }
  const view = viewOf(bytes);
  const out: ProgramHeader[] = [];
  for (let i = 0; i < header.phnum; i++) {
    const at = header.phoff + i * header.phentsize;
    out.push({
      type: view.getUint32(at, true),
      offset: u64(view, at + 8, 'p_offset'),
      vaddr: u64(view, at + 16, 'p_vaddr'),
      filesz: u64(view, at + 32, 'p_filesz'),
    });
  }
  return out;
}

/** File offset of a virtual address, through the PT_LOAD segment that maps it. */
export function vaddrToOffset(phdrs: readonly ProgramHeader[], vaddr: number): number | undefined {
  for (const p of phdrs) {
    if (p.type === PT_LOAD && vaddr >= p.vaddr && vaddr < p.vaddr + p.filesz)
      return vaddr - p.vaddr + p.offset;
  }
  return undefined;
}
