import { createHash } from 'node:crypto';
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { canonicalJson, sha256File } from '@ucvm/components';
import { writeImageFile } from '@ucvm/images';
import { STATE_NAME } from './names.js';

/**
 * What the last run wrote (build.md §8 "Incremental"): per product, the digest of everything
 * it was made from (`key`) and the sha256 of the file. A product is reused only when its key
 * is unchanged AND the file on disk still has that sha256.
 */
export interface OutputRecord {
  key: string;
  sha256: string;
  size: number;
}
export interface BuildState {
  stateVersion: 1;
  outputs: Record<string, OutputRecord>;
}

export const inputKey = (value: unknown): string =>
  createHash('sha256').update(canonicalJson(value)).digest('hex');

export async function readState(dir: string): Promise<BuildState> {
  try {
    const parsed = JSON.parse(await readFile(join(dir, STATE_NAME), 'utf8')) as BuildState;
    if (parsed.stateVersion === 1 && parsed.outputs && typeof parsed.outputs === 'object') {
      return parsed;
    }
  } catch {
    // missing or unreadable: nothing is reused
  }
  return { stateVersion: 1, outputs: {} };
}

export async function writeState(dir: string, state: BuildState): Promise<void> {
  const sorted = Object.fromEntries(
    Object.entries(state.outputs).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  );
  const text = `${JSON.stringify({ stateVersion: 1, outputs: sorted }, null, 2)}\n`;
  await writeImageFile(join(dir, STATE_NAME), [Buffer.from(text)]);
}

/** The record of `name` when it can be reused: same key, file present with the recorded sha256. */
export async function reusable(
  dir: string,
  name: string,
  key: string,
  state: BuildState,
): Promise<OutputRecord | undefined> {
  const rec = state.outputs[name];
  if (!rec || rec.key !== key) return undefined;
  const st = await stat(join(dir, name)).catch(() => undefined);
  if (!st?.isFile() || st.size !== rec.size) return undefined;
  const actual = await sha256File(join(dir, name));
  if (actual.sha256 !== rec.sha256) return undefined;
  const sum = await readFile(join(dir, `${name}.sha256`), 'utf8').catch(() => '');
  if (sum !== checksumLine(name, rec.sha256)) return undefined;
  return rec;
}

/** `sha256sum -c` format: `<hex>  <name>` (build.md §1). */
export const checksumLine = (name: string, sha256: string) => `${sha256}  ${name}\n`;

export async function writeChecksum(dir: string, name: string, sha256: string): Promise<void> {
  await writeImageFile(join(dir, `${name}.sha256`), [Buffer.from(checksumLine(name, sha256))]);
}

/**
 * Removes temporaries an interrupted run left behind (build.md §7): ours
 * (`.<name>.ucvm-tmp-<pid>`) and the initrd writer's (`.<name>.partial-<pid>`).
 */
export async function removeStaleTemporaries(dir: string): Promise<string[]> {
  const removed: string[] = [];
  for (const f of (await readdir(dir)).sort()) {
    if (f.startsWith('.') && /\.(ucvm-tmp|partial)-\d+$/.test(f)) {
      await rm(join(dir, f), { force: true, recursive: true });
      removed.push(f);
    }
  }
  return removed;
}
