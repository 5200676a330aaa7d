// ucvm-userdata get/read (userdata.md §11.2, §12) against the shared reader
// vectors packages/userdata/test-vectors/1NN-*/ (ucontext-N.in → expect/read.*).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BUSYBOX, LIB_DIR } from './harness.js';

const TOOL = join(LIB_DIR, 'bin/ucvm-userdata');
const VECTORS = resolve(LIB_DIR, '../../../../userdata/test-vectors');
const tmp = mkdtempSync(join(tmpdir(), 'ucvm-ud-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function ud(args: string[]) {
  const r = spawnSync(BUSYBOX, ['sh', TOOL, ...args], {
    encoding: 'buffer',
    env: { PATH: '/usr/bin:/bin' },
  });
  return {
    status: r.status,
    stdout: r.stdout.toString('latin1'),
    stderr: r.stderr.toString('latin1'),
  };
}

const readerVectors = existsSync(VECTORS)
  ? readdirSync(VECTORS)
      .filter((d) => existsSync(join(VECTORS, d, 'expect/read.ucontext')))
      .sort()
  : [];

describe('reader vectors', () => {
  it('the shared corpus has reader vectors', () => {
    expect(readerVectors.length).toBeGreaterThan(0);
  });
  for (const name of readerVectors) {
    it(name, () => {
      const dir = join(VECTORS, name);
      const inputs = readdirSync(dir)
        .filter((f) => /^ucontext-\d+\.in$/.test(f))
        .sort((a, b) => Number(a.match(/\d+/)?.[0]) - Number(b.match(/\d+/)?.[0]));
      const out = mkdtempSync(join(tmp, 'v-'));
      const r = ud(['read', ...inputs.flatMap((f) => ['--file', join(dir, f)]), '--out', out]);
      expect(r.status).toBe(0);
      expect(readFileSync(join(out, 'read.ucontext'))).toEqual(
        readFileSync(join(dir, 'expect/read.ucontext')),
      );
      expect(readFileSync(join(out, 'read.warnings'))).toEqual(
        readFileSync(join(dir, 'expect/read.warnings')),
      );
    });
  }
});

describe('ucvm-userdata get', () => {
  const f1 = join(tmp, 'ucontext');
  const f2 = join(tmp, 'extra-ucontext');
  writeFileSync(
    f1,
    "# ucvm-context 1\n_UCONTEXT_CVMFS_HTTP_PROXY='http://p:3128;reboot|DIRECT'\n_UCONTEXT_X='$(touch /tmp/pwned)'\n_UCONTEXT_RESIZE_ROOTFS='1'\n_UCONTEXT_Z='a'\\''b'\n_UCONTEXT_NUL='a\0b'\n",
  );
  writeFileSync(f2, "# ucvm-context 1\n_UCONTEXT_RESIZE_ROOTFS='0'\n");
  it('prints the effective value, later files win, values stay data', () => {
    expect(ud(['get', '--file', f1, '--file', f2, 'resize_rootfs'])).toMatchObject({
      status: 0,
      stdout: '0\n',
    });
    expect(ud(['get', '--file', f1, 'cvmfs_http_proxy']).stdout).toBe(
      'http://p:3128;reboot|DIRECT\n',
    );
    expect(ud(['get', '--file', f1, 'x']).stdout).toBe('$(touch /tmp/pwned)\n');
    expect(ud(['get', '--file', f1, 'z']).stdout).toBe("a'b\n");
    expect(existsSync('/tmp/pwned')).toBe(false);
  });
  it('exit 1 when absent, warnings on stderr, exit 2 on usage or I/O errors', () => {
    const r = ud(['get', '--file', f1, 'nul']);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('R_INVALID_VALUE 1 6\n');
    expect(ud(['get', '--file', join(tmp, 'missing'), 'x']).status).toBe(2);
    expect(ud(['get']).status).toBe(2);
    expect(ud(['parse-nothing']).status).toBe(2);
    expect(ud(['get', '--file', f1, 'a', 'b']).status).toBe(2);
  });
});
