// ECMA-119 §7.2/§7.3 numeric fields.

/** §7.3.3: 32-bit both-byte orders (LE then BE), 8 bytes. */
export function both32(b: Buffer, v: number, at: number): void {
  b.writeUInt32LE(v >>> 0, at);
  b.writeUInt32BE(v >>> 0, at + 4);
}

/** §7.2.3: 16-bit both-byte orders, 4 bytes. */
export function both16(b: Buffer, v: number, at: number): void {
  b.writeUInt16LE(v, at);
  b.writeUInt16BE(v, at + 2);
}

export const BLOCK = 2048;

export const blocks = (bytes: number) => Math.ceil(bytes / BLOCK);
