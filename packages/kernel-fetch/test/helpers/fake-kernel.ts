// Builders of small fake kernel files for tests (never committed as binaries).

/** A minimal ELF64 little-endian relocatable object with a `.modinfo` section. */
export function fakeModule(modinfo: string[]): Uint8Array {
  const enc = new TextEncoder();
  const info = enc.encode(modinfo.map((f) => `${f}\0`).join(''));
  const shstr = enc.encode('\0.modinfo\0.shstrtab\0');
  const infoAt = 0x40;
  const strAt = infoAt + info.length;
  const shoff = Math.ceil((strAt + shstr.length) / 8) * 8;
  const bytes = new Uint8Array(shoff + 3 * 64);
  const view = new DataView(bytes.buffer);
  bytes.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1], 0); // ELFCLASS64, ELFDATA2LSB, EV_CURRENT
  view.setUint16(0x10, 1, true); // ET_REL
  view.setUint16(0x12, 62, true); // EM_X86_64
  view.setBigUint64(0x28, BigInt(shoff), true);
  view.setUint16(0x34, 0x40, true);
  view.setUint16(0x3a, 64, true);
  view.setUint16(0x3c, 3, true);
  view.setUint16(0x3e, 2, true);
  bytes.set(info, infoAt);
  bytes.set(shstr, strAt);
  const section = (i: number, name: number, type: number, offset: number, size: number): void => {
    const at = shoff + i * 64;
    view.setUint32(at, name, true);
    view.setUint32(at + 4, type, true);
    view.setBigUint64(at + 0x18, BigInt(offset), true);
    view.setBigUint64(at + 0x20, BigInt(size), true);
  };
  section(1, 1, 1, infoAt, info.length); // .modinfo, SHT_PROGBITS
  section(2, 10, 3, strAt, shstr.length); // .shstrtab, SHT_STRTAB
  return bytes;
}

/** A fake x86 bzImage: just the setup header fields that carry the version banner. */
export function fakeBzImage(banner: string): Uint8Array {
  const bytes = new Uint8Array(0x800);
  bytes[0x1fe] = 0x55;
  bytes[0x1ff] = 0xaa;
  bytes.set(new TextEncoder().encode('HdrS'), 0x202);
  bytes[0x20e] = 0x00; // kernel_version = 0x200 → banner at 0x400
  bytes[0x20f] = 0x02;
  bytes.set(new TextEncoder().encode(`${banner}\0`), 0x400);
  return bytes;
}
