import { InitrdError } from '../errors.js';

/**
 * ELF file header (System V gABI, "ELF Header"; 64-bit layout):
 *
 *   offset  size  field
 *        0     4  e_ident[EI_MAG0..3]  7F 'E' 'L' 'F'
 *        4     1  e_ident[EI_CLASS]    1 = 32-bit, 2 = 64-bit
 *        5     1  e_ident[EI_DATA]     1 = little-endian, 2 = big-endian
 *        6     1  e_ident[EI_VERSION]  1
 *       16     2  e_type               1 REL, 2 EXEC, 3 DYN
 *       18     2  e_machine            62 = x86-64
 *       20     4  e_version
 *       24     8  e_entry
 *       32     8  e_phoff              program header table offset
 *       40     8  e_shoff              section header table offset
 *       48     4  e_flags
 *       52     2  e_ehsize
 *       54     2  e_phentsize
 *       56     2  e_phnum
 *       58     2  e_shentsize
 *       60     2  e_shnum
 *       62     2  e_shstrndx
 *
 * Only ELFCLASS64 little-endian is read: the build targets x86_64 (build.md §1).
 */
export const ET_REL = 1;
export const ET_EXEC = 2;
export const ET_DYN = 3;
export const EM_X86_64 = 62;

export interface ElfFileHeader {
  type: number;
  machine: number;
  phoff: number;
  shoff: number;
  phentsize: number;
  phnum: number;
  shentsize: number;
  shnum: number;
  shstrndx: number;
}

export function isElf(bytes: Uint8Array): boolean {
  return (
    bytes.length >= 4 &&
    bytes[0] === 0x7f &&
    bytes[1] === 0x45 &&
    bytes[2] === 0x4c &&
    bytes[3] === 0x46
  );
}

/** Reads a u64 that must fit a JS number (file offsets and sizes always do here). */
export function u64(view: DataView, at: number, what: string): number {
  const v = view.getBigUint64(at, true);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new InitrdError(
      'ELF_MALFORMED',
      `ELF ${what} at byte ${at} is ${v}, too large`,
      'the file is corrupt',
    );
  }
  return Number(v);
}

export function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function readFileHeader(bytes: Uint8Array, name: string): ElfFileHeader {
  if (!isElf(bytes)) {
    throw new InitrdError(
      'ELF_MALFORMED',
      `${name} is not an ELF file`,
      'give a binary or shared library',
    );
  }
  if (bytes.length < 64 || bytes[4] !== 2 || bytes[5] !== 1) {
    throw new InitrdError(
      'ELF_UNSUPPORTED',
      `${name} is ELF class ${bytes[4]} data ${bytes[5]}; only 64-bit little-endian (x86_64) is read`,
      'take the component for the x86_64 architecture',
    );
  }
  const view = viewOf(bytes);
  return {
    type: view.getUint16(16, true),
    machine: view.getUint16(18, true),
    phoff: u64(view, 32, 'e_phoff'),
    shoff: u64(view, 40, 'e_shoff'),
    phentsize: view.getUint16(54, true),
    phnum: view.getUint16(56, true),
    shentsize: view.getUint16(58, true),
    shnum: view.getUint16(60, true),
    shstrndx: view.getUint16(62, true),
  };
}
