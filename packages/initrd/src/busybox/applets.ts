import { posix } from 'node:path';
import { InitrdError } from '../errors.js';
import { normalizeRootPath } from '../tree/lookup.js';
import type { Staging } from '../tree/staging.js';

/**
 * Busybox applet names read from the binary itself (never by running it: components are not
 * executed on the build host). Busybox's generated applet_tables.h holds
 * `const char applet_names[] = "[" "\0" "[[" "\0" "acpid" "\0" ...;` — every enabled applet,
 * sorted by strcmp, NUL-separated, ending in a double NUL. The table starts with "[" and "[["
 * whenever test's bracket forms are enabled (they are in every Debian busybox).
 */
const TABLE_START = Buffer.from('[\0[[\0', 'latin1');
const NAME = /^[A-Za-z0-9_.+[-]+$/;

export function busyboxApplets(binary: Uint8Array): string[] {
  const buf = Buffer.from(binary.buffer, binary.byteOffset, binary.byteLength);
  let best: string[] = [];
  for (let at = buf.indexOf(TABLE_START); at >= 0; at = buf.indexOf(TABLE_START, at + 1)) {
    const names = readTable(buf, at);
    if (names.length > best.length) best = names;
  }
  if (best.length < 3) {
    throw new InitrdError(
      'BUSYBOX_NO_APPLETS',
      'no applet name table ("[", "[[", ... NUL-separated) was found in the busybox binary',
      'use a busybox built with the test applet (Debian busybox-static), or give the applet list explicitly',
      2,
    );
  }
  return best;
}

/** Reads NUL-separated names while they stay valid and strictly increasing (strcmp order). */
function readTable(buf: Buffer, start: number): string[] {
  const names: string[] = [];
  let at = start;
  while (at < buf.length) {
    const end = buf.indexOf(0, at);
    if (end <= at) break; // double NUL: end of the table
    const raw = buf.subarray(at, end);
    const name = raw.toString('latin1');
    if (name.length > 64 || !NAME.test(name)) break;
    const prev = names[names.length - 1];
    if (prev !== undefined && Buffer.compare(Buffer.from(prev, 'latin1'), raw) >= 0) break;
    names.push(name);
    at = end + 1;
  }
  return names;
}

/** Directories of the init's PATH (runtime.md §1.3), where a real tool beats an applet. */
export const PATH_DIRS = ['lib/ucvm/bin', 'bin', 'sbin', 'usr/bin', 'usr/sbin'];

/**
 * Stages one symlink per applet in `linkDir`, pointing at the busybox binary, except where
 * any PATH directory already holds that name: e2fsprogs' mke2fs must win over busybox's
 * ext2-only one (image-recipes.md §8.2, §9). Returns the names linked.
 */
export function stageAppletLinks(
  staging: Staging,
  applets: readonly string[],
  busyboxPath: string,
  linkDir = 'bin',
  component = 'busybox',
): string[] {
  const dir = normalizeRootPath(linkDir);
  const target = posix.relative(`/${dir}`, `/${normalizeRootPath(busyboxPath)}`);
  const linked: string[] = [];
  for (const name of applets) {
    if (PATH_DIRS.some((d) => staging.has(`${d}/${name}`))) continue;
    staging.add({ kind: 'symlink', path: `${dir}/${name}`, target, component });
    linked.push(name);
  }
  return linked;
}
