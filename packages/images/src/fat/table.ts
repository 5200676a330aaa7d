import type { FatType } from './boot-sector.js';

// The File Allocation Table (FAT32 spec §4): entry N describes cluster N. Entry 0 holds the
// media byte, entry 1 the end-of-chain mark; packed 12 bits (two entries in 3 bytes, LE),
// 16 bits, or 32 bits of which the low 28 are used.

export const END_OF_CHAIN = 0x0fffffff;

export class FatTable {
  readonly entries: Uint32Array;
  constructor(
    readonly fatType: FatType,
    clusterCount: number,
  ) {
    this.entries = new Uint32Array(clusterCount + 2);
    this.entries[0] = 0x0fffff00 | 0xf8;
    this.entries[1] = END_OF_CHAIN;
  }

  /** Links `count` clusters from `first` as one contiguous chain. */
  chain(first: number, count: number): void {
    for (let i = 0; i < count; i++) {
      this.entries[first + i] = i === count - 1 ? END_OF_CHAIN : first + i + 1;
    }
  }

  /** Serialises into `fatSectors` sectors; end-of-chain marks are narrowed to the type. */
  serialize(fatSectors: number): Buffer {
    const b = Buffer.alloc(fatSectors * 512);
    const mask = this.fatType === 12 ? 0xfff : this.fatType === 16 ? 0xffff : 0x0fffffff;
    const e = this.entries;
    if (this.fatType === 32) {
      for (let i = 0; i < e.length; i++) b.writeUInt32LE(e[i]! & mask, i * 4);
    } else if (this.fatType === 16) {
      for (let i = 0; i < e.length; i++) b.writeUInt16LE(e[i]! & mask, i * 2);
    } else {
      for (let i = 0; i < e.length; i++) {
        const v = e[i]! & mask;
        const o = Math.floor((i * 3) / 2);
        if (i % 2 === 0) {
          b[o] = v & 0xff;
          b[o + 1] = (b[o + 1]! & 0xf0) | (v >> 8);
        } else {
          b[o] = (b[o]! & 0x0f) | ((v & 0x0f) << 4);
          b[o + 1] = v >> 4;
        }
      }
    }
    return b;
  }
}

/** Reads entry `n` of a serialised FAT. */
export function readFatEntry(fat: Uint8Array, fatType: FatType, n: number): number {
  const b = Buffer.from(fat.buffer, fat.byteOffset, fat.byteLength);
  if (fatType === 32) return b.readUInt32LE(n * 4) & 0x0fffffff;
  if (fatType === 16) return b.readUInt16LE(n * 2);
  const v = b.readUInt16LE(Math.floor((n * 3) / 2));
  return n % 2 === 0 ? v & 0xfff : v >> 4;
}

/** True when a FAT entry value ends a chain. */
export function isEndOfChain(v: number, fatType: FatType): boolean {
  return v >= (fatType === 12 ? 0xff8 : fatType === 16 ? 0xfff8 : 0x0ffffff8);
}
