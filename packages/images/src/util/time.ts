import { ImagesError } from '../errors.js';

/** Validates SOURCE_DATE_EPOCH (seconds since 1970, UTC): the only clock the writers use. */
export function checkEpoch(epoch: number, what = 'sourceDateEpoch'): number {
  if (!Number.isSafeInteger(epoch) || epoch < 0 || epoch > 4_102_444_799) {
    throw new ImagesError(
      'BAD_EPOCH',
      `${what} must be whole seconds between 1970 and 2099, got ${String(epoch)}`,
      'pass SOURCE_DATE_EPOCH, e.g. the commit time of the release (`git log -1 --format=%ct`)',
    );
  }
  return epoch;
}

/** Broken-down UTC time (no host TZ is ever consulted). */
export function utcParts(epoch: number) {
  const d = new Date(epoch * 1000);
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
  };
}
