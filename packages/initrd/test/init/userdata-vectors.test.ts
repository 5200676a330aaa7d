// ucvm-userdata parse/opennebula/azure (userdata.md §3, §4–§11, §12) against EVERY directory of
// the shared corpus packages/userdata/test-vectors/, comparing bytes of every expected file
// (§1 item 2). The tool runs under the host busybox with a PATH holding only busybox applet
// links, so no host GNU tool is used by accident.
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BUSYBOX, LIB_DIR } from './harness.js';

const TOOL = join(LIB_DIR, 'bin/ucvm-userdata');
const VECTORS = resolve(LIB_DIR, '../../../../userdata/test-vectors');
const tmp = mkdtempSync(join(tmpdir(), 'ucvm-udv-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

// A PATH of busybox applets only.
const APPLETS = join(tmp, 'applets');
mkdirSync(APPLETS);
const list = spawnSync(BUSYBOX, ['--list'], { encoding: 'utf8' });
for (const name of list.stdout.split('\n').filter((n) => /^[a-z0-9_.[-]+$/.test(n))) {
  symlinkSync(BUSYBOX, join(APPLETS, name));
}

function ud(args: string[]) {
  const r = spawnSync(BUSYBOX, ['sh', TOOL, ...args], {
    encoding: 'buffer',
    env: { PATH: APPLETS },
    timeout: 60_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr.toString('latin1') };
}

const has = (dir: string, name: string): boolean => existsSync(join(VECTORS, dir, name));
const expected = (dir: string, name: string): Buffer =>
  readFileSync(join(VECTORS, dir, 'expect', name));

/** `PREFIX1SUFFIX`, `PREFIX2SUFFIX`, … in numeric order (contiguous from 1). */
function numbered(dir: string, prefix: string, suffix: string): string[] {
  const files: string[] = [];
  for (let n = 1; has(dir, `${prefix}${n}${suffix}`); n++)
    files.push(join(VECTORS, dir, `${prefix}${n}${suffix}`));
  return files;
}

type Kind = 'parse' | 'reader' | 'opennebula' | 'azure' | 'unknown';
function kindOf(dir: string): Kind {
  if (has(dir, 'user.bin') || has(dir, 'extra-1.bin')) return 'parse';
  if (has(dir, 'ucontext-1.in')) return 'reader';
  if (has(dir, 'context.sh')) return 'opennebula';
  if (has(dir, 'CustomData.bin')) return 'azure';
  return 'unknown';
}

const dirs = existsSync(VECTORS)
  ? readdirSync(VECTORS, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort()
  : [];

function run(dir: string): void {
  const out = mkdtempSync(join(tmp, 'v-'));
  const kind = kindOf(dir);
  if (kind === 'parse') {
    const user = has(dir, 'user.bin') ? ['--user', join(VECTORS, dir, 'user.bin')] : [];
    const extra = numbered(dir, 'extra-', '.bin').flatMap((f) => ['--extra', f]);
    const r = ud(['parse', ...user, ...extra, '--out', out]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    for (const name of ['ucontext', 'extra-ucontext', 'ucontext.json', 'warnings']) {
      expect(readFileSync(join(out, name)), name).toEqual(expected(dir, name));
    }
    expect(existsSync(join(out, 'extra-user-data'))).toBe(extra.length > 0);
    expect(has(dir, 'expect/extra-user-data')).toBe(extra.length > 0);
    if (extra.length > 0) {
      expect(readFileSync(join(out, 'extra-user-data'))).toEqual(expected(dir, 'extra-user-data'));
    }
  } else if (kind === 'reader') {
    const files = numbered(dir, 'ucontext-', '.in').flatMap((f) => ['--file', f]);
    const r = ud(['read', ...files, '--out', out]);
    expect(r.status).toBe(0);
    for (const name of ['read.ucontext', 'read.warnings']) {
      expect(readFileSync(join(out, name)), name).toEqual(expected(dir, name));
    }
  } else if (kind === 'opennebula') {
    const r = ud(['opennebula', join(VECTORS, dir, 'context.sh'), '--out', out]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    for (const name of ['vars', 'user-data', 'warnings']) {
      expect(readFileSync(join(out, name)), name).toEqual(expected(dir, name));
    }
  } else if (kind === 'azure') {
    const r = ud(['azure', join(VECTORS, dir, 'CustomData.bin')]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toEqual(expected(dir, 'user-data'));
  } else {
    throw new Error(
      `test vector ${dir} has no user.bin, extra-1.bin, ucontext-1.in, context.sh or CustomData.bin`,
    );
  }
}

describe('ucvm-userdata on every corpus vector', () => {
  it('the corpus has vectors of every kind', () => {
    const kinds = new Set(dirs.map(kindOf));
    for (const k of ['parse', 'reader', 'opennebula', 'azure'] as const)
      expect(kinds.has(k), k).toBe(true);
  });
  for (const dir of dirs) {
    it(dir, () => run(dir), 120_000);
  }
});
