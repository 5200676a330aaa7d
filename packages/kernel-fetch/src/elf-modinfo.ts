import { KernelFetchError } from './errors.js';

// ELF header (System V gABI): e_ident[16] @0 (EI_CLASS @4: 1=32-bit, 2=64-bit; EI_DATA @5:
// 1=LSB, 2=MSB). ELF64: e_shoff u64 @0x28, e_shentsize u16 @0x3A, e_shnum u16 @0x3C,
// e_shstrndx u16 @0x3E. ELF32: e_shoff u32 @0x20, e_shentsize @0x2E, e_shnum @0x30,
// e_shstrndx @0x32. Section header: sh_name u32 @0, then ELF64: sh_offset u64 @0x18,
// sh_size u64 @0x20; ELF32: sh_offset u32 @0x10, sh_size u32 @0x14.

/** The `.modinfo` section of a kernel module: NUL-separated `key=value` strings, in order. */
export function readModinfo(ko: Uint8Array, file: string): [string, string][] {
  const fail = (what: string): never => {
    throw new KernelFetchError(
      'MODULE_BAD_FILE',
      `${file}: ${what}`,
      'the module file is damaged; unpack the kernel package again',
    );
  };
  if (ko.length < 0x40 || ko[0] !== 0x7f || ko[1] !== 0x45 || ko[2] !== 0x4c || ko[3] !== 0x46)
    fail('not an ELF file');
  const is64 = ko[4] === 2;
  const little = ko[5] === 1;
  const view = new DataView(ko.buffer, ko.byteOffset, ko.byteLength);
  const word = (at: number): number =>
    is64 ? Number(view.getBigUint64(at, little)) : view.getUint32(at, little);
  const shoff = word(is64 ? 0x28 : 0x20);
  const shentsize = view.getUint16(is64 ? 0x3a : 0x2e, little);
  const shnum = view.getUint16(is64 ? 0x3c : 0x30, little);
  const shstrndx = view.getUint16(is64 ? 0x3e : 0x32, little);
  if (shoff + shnum * shentsize > ko.length || shstrndx >= shnum)
    fail('section header table outside the file');
  const section = (i: number): { name: number; offset: number; size: number } => {
    const at = shoff + i * shentsize;
    return {
      name: view.getUint32(at, little),
      offset: word(at + (is64 ? 0x18 : 0x10)),
      size: word(at + (is64 ? 0x20 : 0x14)),
    };
  };
  const strtab = section(shstrndx);
  const latin1 = new TextDecoder('latin1');
  for (let i = 0; i < shnum; i++) {
    const s = section(i);
    const nameAt = strtab.offset + s.name;
    const end = ko.indexOf(0, nameAt);
    if (latin1.decode(ko.subarray(nameAt, end)) !== '.modinfo') continue;
    if (s.offset + s.size > ko.length) fail('.modinfo section outside the file');
    const fields: [string, string][] = [];
    for (const text of new TextDecoder()
      .decode(ko.subarray(s.offset, s.offset + s.size))
      .split('\0')) {
      const eq = text.indexOf('=');
      if (eq > 0) fields.push([text.slice(0, eq), text.slice(eq + 1)]);
    }
    return fields;
  }
  return fail('no .modinfo section (not a kernel module)');
}
