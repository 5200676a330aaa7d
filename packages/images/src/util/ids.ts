import { createHash } from 'node:crypto';

// Deterministic identifiers (build.md §7: "Volume ids, serials, UUIDs and dates are derived from
// the inputs"): everything that other tools would pick at random is a hash of a caller seed.

/** sha256(`${seed}\0${purpose}`): the byte source for every derived id. */
export function deriveBytes(seed: string, purpose: string): Buffer {
  return createHash('sha256').update(seed).update('\0').update(purpose).digest();
}

/** A 32-bit id (MBR disk signature, FAT volume serial) derived from a seed; never 0. */
export function deriveU32(seed: string, purpose: string): number {
  const v = deriveBytes(seed, purpose).readUInt32BE(0);
  return v === 0 ? 1 : v;
}
