/**
 * xz Stream Header (The .xz File Format 1.1.0 §2.1.1):
 *
 *   offset  size  field
 *        0     6  Header Magic Bytes  FD 37 7A 58 5A 00
 *        6     2  Stream Flags        byte 6 = 0x00, byte 7 low nibble = Check Type
 *        8     4  CRC32 of the Stream Flags
 *
 * Check types (§2.1.1.2): 0x00 none, 0x01 CRC32, 0x04 CRC64, 0x0A SHA-256.
 */
export const XZ_MAGIC = Uint8Array.of(0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00);
export const XZ_CHECK_CRC32 = 0x01;

/** The Check Type of an xz stream, or undefined when the bytes are not an xz stream. */
export function xzCheckType(bytes: Uint8Array): number | undefined {
  if (bytes.length < 12) return undefined;
  for (let i = 0; i < XZ_MAGIC.length; i++) if (bytes[i] !== XZ_MAGIC[i]) return undefined;
  if (bytes[6] !== 0) return undefined;
  return (bytes[7] as number) & 0x0f;
}
