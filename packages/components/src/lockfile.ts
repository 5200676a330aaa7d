import { randomUUID } from 'node:crypto';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ComponentsError } from './errors.js';

/**
 * `ucvm.lock` (build.md §4: a lock file records the resolved digests). JSON with a fixed key
 * order (entries sorted by component name, fields in the order below) so that it diffs well
 * and the same resolution always writes the same bytes.
 */
export const LOCKFILE_VERSION = 1;
export const LOCKFILE_NAME = 'ucvm.lock';

export interface LockEntry {
  /** Source identity: `apt:PKG=VERSION`, `url:URL` or `path:PATH` as written in the config. */
  source: string;
  /** The component's upstream version when it was locked. */
  version: string;
  sha256: string;
  size: number;
  kind: 'file' | 'directory';
  /** File name of the fetched file (e.g. the Debian pool name). */
  fileName: string;
}

export interface Lockfile {
  lockfileVersion: number;
  components: Record<string, LockEntry>;
}

export function emptyLockfile(): Lockfile {
  return { lockfileVersion: LOCKFILE_VERSION, components: {} };
}

export function serializeLockfile(lock: Lockfile): string {
  const components: Record<string, LockEntry> = {};
  for (const name of Object.keys(lock.components).sort()) {
    const e = lock.components[name]!;
    components[name] = {
      source: e.source,
      version: e.version,
      sha256: e.sha256,
      size: e.size,
      kind: e.kind,
      fileName: e.fileName,
    };
  }
  return `${JSON.stringify({ lockfileVersion: LOCKFILE_VERSION, components }, null, 2)}\n`;
}

export function parseLockfile(text: string, origin = LOCKFILE_NAME): Lockfile {
  const bad = (what: string): never => {
    throw new ComponentsError(
      'LOCKFILE_INVALID',
      `${origin}: ${what}`,
      `restore it from version control, or delete it and run \`ucvm fetch --update-lock\``,
      2,
    );
  };
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    return bad(`not valid JSON (${(err as Error).message})`);
  }
  const obj = data as Partial<Lockfile>;
  if (!obj || typeof obj !== 'object' || obj.lockfileVersion !== LOCKFILE_VERSION) {
    return bad(
      `lockfileVersion is ${JSON.stringify(obj?.lockfileVersion)}, expected ${LOCKFILE_VERSION}`,
    );
  }
  if (!obj.components || typeof obj.components !== 'object' || Array.isArray(obj.components))
    return bad('"components" is not an object');
  for (const [name, e] of Object.entries(obj.components)) {
    const entry = e as Partial<LockEntry>;
    if (typeof entry?.source !== 'string') bad(`components.${name}.source is not a string`);
    if (typeof entry.version !== 'string') bad(`components.${name}.version is not a string`);
    if (typeof entry.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(entry.sha256))
      bad(`components.${name}.sha256 is ${JSON.stringify(entry.sha256)}, not 64 hex digits`);
    if (typeof entry.size !== 'number' || !Number.isInteger(entry.size) || entry.size < 0)
      bad(`components.${name}.size is not a size`);
    if (entry.kind !== 'file' && entry.kind !== 'directory')
      bad(
        `components.${name}.kind is ${JSON.stringify(entry.kind)}, expected "file" or "directory"`,
      );
    if (typeof entry.fileName !== 'string') bad(`components.${name}.fileName is not a string`);
  }
  return { lockfileVersion: LOCKFILE_VERSION, components: obj.components };
}

/** Reads a lock file; a missing file is an empty lock. */
export async function readLockfile(path: string): Promise<Lockfile> {
  const text = await readFile(path, 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });
  return text === undefined ? emptyLockfile() : parseLockfile(text, path);
}

/** Writes atomically: temporary name in the same directory, then rename. */
export async function writeLockfile(path: string, lock: Lockfile): Promise<void> {
  const tmp = join(dirname(path), `.${LOCKFILE_NAME}.${randomUUID()}.tmp`);
  try {
    await writeFile(tmp, serializeLockfile(lock));
    await rename(tmp, path);
  } finally {
    await rm(tmp, { force: true });
  }
}
