import { CliError } from '../errors.js';

const UNITS: Record<string, number> = { '': 1, K: 2 ** 10, M: 2 ** 20, G: 2 ** 30, T: 2 ** 40 };
const MIN = 2 ** 20;
const MAX = 16 * 2 ** 40;

/**
 * `--disk SIZE`: a whole number with an optional binary unit (`512M`, `2G`, `2GiB`, `1T`),
 * from 1 MiB to 16 TiB, rounded up to whole 512-byte sectors.
 */
export function parseDiskSize(text: string): number {
  const m = /^(\d+)\s*([KMGT]?)(?:i?B)?$/i.exec(text.trim());
  const unit = UNITS[(m?.[2] ?? '').toUpperCase()];
  const bytes = m && unit !== undefined ? Number(m[1]) * unit : Number.NaN;
  if (!Number.isSafeInteger(bytes) || bytes < MIN || bytes > MAX) {
    throw new CliError(
      'RUN_BAD_SIZE',
      m ? `--disk ${text} is outside 1M to 16T` : `--disk ${JSON.stringify(text)} is not a size`,
      'write a whole number with a unit K, M, G or T (powers of 1024), e.g. --disk 2G',
      2,
    );
  }
  return Math.ceil(bytes / 512) * 512;
}
