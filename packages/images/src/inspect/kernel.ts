// The version string a Linux x86 bzImage carries (Documentation/arch/x86/boot.rst, "The Real-
// Mode Kernel Header"): 0x202 "HdrS" magic, 0x206 protocol version, 0x20E kernel_version, a
// pointer to a NUL-terminated string at (value + 0x200). The same string `uname -v`/`-r` show.

/** "6.1.0-56-amd64 (debian-kernel@…) #1 SMP …", or undefined if not a bzImage. */
export function bzImageVersion(kernel: Uint8Array): string | undefined {
  if (kernel.length < 0x210) return undefined;
  const b = Buffer.from(kernel.buffer, kernel.byteOffset, kernel.byteLength);
  if (b.toString('latin1', 0x202, 0x206) !== 'HdrS' || b.readUInt16LE(0x206) < 0x0200)
    return undefined;
  const at = b.readUInt16LE(0x20e) + 0x200;
  if (at >= b.length) return undefined;
  const end = b.indexOf(0, at);
  const s = b.toString('latin1', at, end < 0 ? Math.min(b.length, at + 256) : end);
  return /^\d+\.\d+/.test(s) ? s : undefined;
}
