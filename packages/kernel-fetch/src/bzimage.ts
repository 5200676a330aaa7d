// Linux x86 boot protocol (Documentation/arch/x86/boot.rst), setup header in the bzImage:
// boot_flag u16 @0x1FE = AA55, header magic "HdrS" @0x202, version u16 @0x206,
// kernel_version u16 @0x20E: offset (minus 0x200) of a NUL-terminated version string.

/** The version string embedded in an x86 bzImage (`6.1.0-56-amd64 (debian-kernel@…) #1 SMP …`). */
export function bzImageVersion(image: Uint8Array): string | undefined {
  if (image.length < 0x210) return undefined;
  const magic = String.fromCharCode(...image.subarray(0x202, 0x206));
  if (magic !== 'HdrS') return undefined;
  const pointer = (image[0x20e] ?? 0) | ((image[0x20f] ?? 0) << 8);
  if (pointer === 0) return undefined;
  const start = pointer + 0x200;
  const end = image.indexOf(0, start);
  if (start >= image.length || end < 0) return undefined;
  return new TextDecoder('latin1').decode(image.subarray(start, Math.min(end, start + 256)));
}
