import { open, readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ImagesError } from './errors.js';

/**
 * A piece of an image in write order: bytes, or a count of zero bytes that becomes a hole in
 * the output file (images are mostly empty space; holes keep them sparse, like `truncate`).
 */
export type ImageChunk = Uint8Array | number;

export function chunksLength(chunks: Iterable<ImageChunk>): number {
  let n = 0;
  for (const c of chunks) n += typeof c === 'number' ? c : c.length;
  return n;
}

/** Concatenates chunks into one buffer (holes become zeros). */
export function concatChunks(chunks: Iterable<ImageChunk>): Uint8Array {
  const list = [...chunks];
  const out = Buffer.alloc(chunksLength(list));
  let at = 0;
  for (const c of list) {
    if (typeof c === 'number') at += c;
    else {
      out.set(c, at);
      at += c.length;
    }
  }
  return out;
}

const TMP_MARK = '.ucvm-tmp-';

/**
 * Writes chunks to `path` atomically (build.md §7 "Atomic"): into `.<name>.ucvm-tmp-<pid>` in
 * the same directory, then renamed. Stale temporaries of earlier, interrupted runs for the
 * same name are removed first; on failure the temporary is removed.
 */
export async function writeImageFile(
  path: string,
  chunks: Iterable<ImageChunk>,
  /** Runs on the complete temporary file before the rename (e.g. the syslinux installer). */
  finish?: (tmpPath: string) => Promise<void>,
): Promise<number> {
  const dir = dirname(path);
  const prefix = `.${basename(path)}${TMP_MARK}`;
  try {
    for (const f of await readdir(dir)) {
      if (f.startsWith(prefix)) await rm(join(dir, f), { force: true });
    }
  } catch (e) {
    throw new ImagesError(
      'OUTPUT_DIR',
      `cannot use output directory ${dir}: ${(e as Error).message}`,
      'create the directory or choose another --out',
      1,
    );
  }
  const tmp = join(dir, `${prefix}${process.pid}`);
  const fh = await open(tmp, 'w', 0o644);
  let at = 0;
  try {
    for (const c of chunks) {
      if (typeof c === 'number') {
        at += c;
        continue;
      }
      let done = 0;
      while (done < c.length) {
        const { bytesWritten } = await fh.write(c, done, c.length - done, at + done);
        done += bytesWritten;
      }
      at += c.length;
    }
    await fh.truncate(at);
    await fh.close();
    if (finish) await finish(tmp);
    await rename(tmp, path);
  } catch (e) {
    await fh.close().catch(() => {});
    await rm(tmp, { force: true });
    if (e instanceof ImagesError) throw e;
    throw new ImagesError(
      'OUTPUT_WRITE',
      `writing ${path} failed: ${(e as Error).message}`,
      'check free space and permissions',
      1,
    );
  }
  return at;
}
