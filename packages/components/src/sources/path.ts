import { createHash } from 'node:crypto';
import { lstat, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { sha256File } from '../cache/store.js';
import { ComponentsError } from '../errors.js';

export interface PathDigest {
  kind: 'file' | 'directory';
  sha256: string;
  /** File size, or the sum of the regular files' sizes of a directory. */
  size: number;
}

/**
 * A `path` source: a local file (digest of its bytes) or directory (digest of a sorted
 * listing: type, executable bit, relative name, content digest or link target — so the same
 * tree gives the same digest on every host, whatever its umask or listing order).
 */
export async function digestPath(component: string, path: string): Promise<PathDigest> {
  const st = await lstat(path).catch(() => undefined);
  if (!st) {
    throw new ComponentsError(
      'FILE_NOT_FOUND',
      `component ${component}: path ${path} does not exist`,
      'check the path (relative paths in the config are relative to the config file; on the command line to the current directory)',
      2,
    );
  }
  if (st.isFile()) {
    const d = await sha256File(path);
    return { kind: 'file', ...d };
  }
  if (!st.isDirectory()) {
    throw new ComponentsError(
      'FILE_NOT_FOUND',
      `component ${component}: path ${path} is neither a file nor a directory`,
      'point it at a file or a directory',
      2,
    );
  }
  const lines: string[] = [];
  let size = 0;
  const walk = async (dir: string, rel: string): Promise<void> => {
    const names = (await readdir(dir)).sort();
    for (const name of names) {
      const abs = join(dir, name);
      const r = rel ? `${rel}/${name}` : name;
      const s = await lstat(abs);
      const x = s.mode & 0o111 ? 'x' : '-';
      if (s.isDirectory()) {
        lines.push(`d ${x} ${JSON.stringify(r)}`);
        await walk(abs, r);
      } else if (s.isSymbolicLink()) {
        lines.push(`l - ${JSON.stringify(r)} ${JSON.stringify(await readlink(abs))}`);
      } else if (s.isFile()) {
        const d = await sha256File(abs);
        size += d.size;
        lines.push(`f ${x} ${JSON.stringify(r)} ${d.sha256}`);
      } else {
        lines.push(`o - ${JSON.stringify(r)}`);
      }
    }
  };
  await walk(path, '');
  const sha256 = createHash('sha256')
    .update(`ucvm-tree-v1\n${lines.join('\n')}\n`)
    .digest('hex');
  return { kind: 'directory', sha256, size };
}
