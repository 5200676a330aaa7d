// Runs every parse vector of the shared corpus (userdata.md §1, §15) and compares bytes of all
// expected files. A parse vector is a directory holding `user.bin` or `extra-1.bin`.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseUserData } from './parse.js';
import { formatWarnings, serializeUcontext, toCanonicalJson } from './serialize.js';

const CORPUS = join(import.meta.dirname, '..', 'test-vectors');
const has = (dir: string, name: string): boolean => existsSync(join(CORPUS, dir, name));
const read = (dir: string, name: string): Buffer => readFileSync(join(CORPUS, dir, name));
const utf8 = (s: string): Buffer => Buffer.from(s, 'utf8');

const parseDirs = readdirSync(CORPUS)
  .sort()
  .filter((d) => has(d, 'user.bin') || has(d, 'extra-1.bin'));

/** `extra-1.bin`, `extra-2.bin`, … in chunk order (contiguous from 1). */
function extraChunks(dir: string): Buffer[] | undefined {
  const chunks: Buffer[] = [];
  for (let n = 1; has(dir, `extra-${n}.bin`); n++) chunks.push(read(dir, `extra-${n}.bin`));
  return chunks.length === 0 ? undefined : chunks;
}

describe('parse vectors (§15)', () => {
  it('cover V01–V23', () => {
    for (let v = 1; v <= 23; v++) {
      expect(parseDirs.some((d) => d.startsWith(String(v).padStart(3, '0')))).toBe(true);
    }
  });

  it.each(parseDirs)('%s', (dir) => {
    const extra = extraChunks(dir);
    const result = parseUserData({
      ...(has(dir, 'user.bin') ? { user: read(dir, 'user.bin') } : {}),
      ...(extra === undefined ? {} : { extra }),
    });
    expect(utf8(toCanonicalJson(result)).toString()).toBe(
      read(dir, 'expect/ucontext.json').toString(),
    );
    expect(utf8(formatWarnings(result))).toEqual(read(dir, 'expect/warnings'));
    expect(utf8(serializeUcontext(result.user.keys))).toEqual(read(dir, 'expect/ucontext'));
    expect(utf8(serializeUcontext(result.extra.keys))).toEqual(read(dir, 'expect/extra-ucontext'));
    expect(utf8(toCanonicalJson(result))).toEqual(read(dir, 'expect/ucontext.json'));
    expect(has(dir, 'expect/extra-user-data')).toBe(extra !== undefined);
    if (extra !== undefined) {
      expect(Buffer.from(result.extraUserData ?? [])).toEqual(read(dir, 'expect/extra-user-data'));
    }
  });
});
