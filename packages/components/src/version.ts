import { ComponentsError } from './errors.js';

/**
 * Strong version strings (build.md §1): `<ucernvm-version>-<release>.cernvm.<arch>` for a
 * release and `<upstream>-<release>.cernvm.<arch>` per component — the `config.mk` model.
 *
 * The upstream part is written as the source names it, with one change: a Debian epoch
 * (`1:`, `3:` …) is dropped, because `:` is not safe in file names and the epoch only
 * orders versions inside Debian. `~` and `+` are kept verbatim. The full version (with the
 * epoch) stays in the config, the lock file and the manifest.
 */
const UPSTREAM = /^[A-Za-z0-9][A-Za-z0-9.+~_-]*$/;
const ARCH = /^[a-z0-9_]+$/;

export function upstreamForStrong(version: string): string {
  const withoutEpoch = version.replace(/^\d+:/, '');
  if (!UPSTREAM.test(withoutEpoch)) {
    throw new ComponentsError(
      'VERSION_INVALID',
      `version ${JSON.stringify(version)} cannot be written into a strong version`,
      'use letters, digits and . + ~ _ - (an optional Debian epoch "N:" is dropped)',
      2,
    );
  }
  return withoutEpoch;
}

function checkRelease(release: number): void {
  if (!Number.isInteger(release) || release < 1) {
    throw new ComponentsError(
      'VERSION_INVALID',
      `release ${JSON.stringify(release)} is not a positive integer`,
      'releases count 1, 2, 3 … per version',
      2,
    );
  }
}

function checkArch(arch: string): void {
  if (!ARCH.test(arch)) {
    throw new ComponentsError(
      'VERSION_INVALID',
      `arch ${JSON.stringify(arch)} is not valid`,
      'use e.g. x86_64',
      2,
    );
  }
}

/** `2026.11`, 1, `x86_64` → `2026.11-1.cernvm.x86_64`. */
export function strongVersion(version: string, release: number, arch: string): string {
  checkRelease(release);
  checkArch(arch);
  if (!/^[0-9][0-9A-Za-z.+~_]*$/.test(version)) {
    throw new ComponentsError(
      'VERSION_INVALID',
      `µCernVM version ${JSON.stringify(version)} is not valid`,
      'use letters, digits and . + ~ _ - such as 2026.11',
      2,
    );
  }
  return `${version}-${release}.cernvm.${arch}`;
}

/** `1:1.35.0-4+deb12u1+b1`, 1, `x86_64` → `1.35.0-4+deb12u1+b1-1.cernvm.x86_64`. */
export function componentStrongVersion(upstream: string, release: number, arch: string): string {
  checkRelease(release);
  checkArch(arch);
  return `${upstreamForStrong(upstream)}-${release}.cernvm.${arch}`;
}

/** Splits a strong version back into its parts (the last `-<n>.cernvm.<arch>` suffix). */
export function parseStrongVersion(
  strong: string,
): { upstream: string; release: number; arch: string } | undefined {
  const m = /^(.+)-([1-9][0-9]*)\.cernvm\.([a-z0-9_]+)$/.exec(strong);
  if (!m) return undefined;
  return { upstream: m[1]!, release: Number(m[2]), arch: m[3]! };
}
