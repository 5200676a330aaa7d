// ucvm-userdata parse/opennebula/azure beyond the shared corpus: exit codes (userdata.md §12),
// strict gzip (§4.2), byte-exact binary MIME leaves (§4.3), and data never executed.
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { BUSYBOX, LIB_DIR } from './harness.js';

const TOOL = join(LIB_DIR, 'bin/ucvm-userdata');
const tmp = mkdtempSync(join(tmpdir(), 'ucvm-udc-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const APPLETS = join(tmp, 'applets');
mkdirSync(APPLETS);
for (const name of spawnSync(BUSYBOX, ['--list'], { encoding: 'utf8' }).stdout.split('\n')) {
  if (/^[a-z0-9_.[-]+$/.test(name)) symlinkSync(BUSYBOX, join(APPLETS, name));
}

let seq = 0;
function file(bytes: Buffer | string): string {
  const p = join(tmp, `in-${++seq}`);
  writeFileSync(p, bytes);
  return p;
}
function ud(args: string[]) {
  const r = spawnSync(BUSYBOX, ['sh', TOOL, ...args], {
    encoding: 'buffer',
    env: { PATH: APPLETS },
    timeout: 60_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr.toString('latin1') };
}
/** parse --user BYTES → the outputs as strings. */
function parse(user: Buffer | string) {
  const out = mkdtempSync(join(tmp, 'o-'));
  const r = ud(['parse', '--user', file(user), '--out', out]);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  const read = (n: string) => readFileSync(join(out, n), 'latin1');
  return { ucontext: read('ucontext'), warnings: read('warnings'), json: read('ucontext.json') };
}

const BLOCK = '[ucernvm-begin]\ncvmfs_tag=t1\n[ucernvm-end]\n';
const TAG = "_UCONTEXT_CVMFS_TAG='t1'\n";

describe('ucvm-userdata exit codes (§12)', () => {
  it('2 on usage and I/O errors', () => {
    const out = mkdtempSync(join(tmp, 'o-'));
    expect(ud(['parse', '--user', file(BLOCK)]).status).toBe(2);
    expect(ud(['parse', '--user', join(tmp, 'missing'), '--out', out]).status).toBe(2);
    expect(ud(['parse', '--extra', join(tmp, 'missing'), '--out', out]).status).toBe(2);
    expect(ud(['parse', '--out', join(tmp, 'no-dir')]).status).toBe(2);
    expect(ud(['opennebula', file('A=1\n')]).status).toBe(2);
    expect(ud(['opennebula', join(tmp, 'missing'), '--out', out]).status).toBe(2);
    expect(ud(['azure']).status).toBe(2);
    expect(ud(['azure', join(tmp, 'missing')]).status).toBe(2);
    expect(ud(['frobnicate']).status).toBe(2);
  });
  it('parse without inputs writes empty maps', () => {
    const out = mkdtempSync(join(tmp, 'o-'));
    expect(ud(['parse', '--out', out]).status).toBe(0);
    expect(readFileSync(join(out, 'ucontext'), 'latin1')).toBe('# ucvm-context 1\n');
    expect(readFileSync(join(out, 'warnings'), 'latin1')).toBe('');
    expect(existsSync(join(out, 'extra-user-data'))).toBe(false);
  });
});

describe('strict whole-payload gzip (§4.2)', () => {
  const member = gzipSync(Buffer.from(BLOCK));
  it('concatenated members and trailing zero bytes decode', () => {
    const r = parse(
      Buffer.concat([
        gzipSync(Buffer.from('[ucernvm-begin]\n')),
        gzipSync(Buffer.from('cvmfs_tag=t1\n[ucernvm-end]\n')),
        Buffer.alloc(5),
      ]),
    );
    expect(r.warnings).toBe('');
    expect(r.ucontext).toContain(TAG);
  });
  it('zero bytes between members, or any other trailing byte, give W_GZIP', () => {
    const between = Buffer.concat([member, Buffer.alloc(2), member]);
    expect(parse(between).warnings).toBe('W_GZIP user 0 0\n');
    expect(parse(Buffer.concat([member, Buffer.from('x')])).warnings).toBe('W_GZIP user 0 0\n');
    expect(parse(member.subarray(0, member.length - 1)).warnings).toBe('W_GZIP user 0 0\n');
  });
  it('an empty gzip member (all-zero trailer) is accepted', () => {
    expect(parse(gzipSync(Buffer.alloc(0))).warnings).toBe('');
  });
});

describe('binary MIME leaves (§4.3)', () => {
  const mime = (headers: string, body: Buffer) =>
    Buffer.concat([
      Buffer.from(`Content-Type: multipart/mixed; boundary=B\n\n--B\n${headers}\n`),
      body,
      Buffer.from('\n--B--\n'),
    ]);
  it('a raw (8bit) gzip leaf with NUL bytes is gunzipped byte-exactly', () => {
    const gz = gzipSync(Buffer.from(BLOCK));
    expect(gz.includes(0)).toBe(true);
    const r = parse(mime('Content-Transfer-Encoding: binary\n', gz));
    expect(r.warnings).toBe('');
    expect(r.ucontext).toContain(TAG);
  });
  it('=00 in a quoted-printable leaf is a control byte', () => {
    const r = parse(
      mime(
        'Content-Transfer-Encoding: quoted-printable\n',
        Buffer.from('[ucernvm-begin]\na=1=00\nb=2=3D\n[ucernvm-end]'),
      ),
    );
    expect(r.warnings).toBe('W_CONTROL_CHAR user 1 2\n');
    expect(r.ucontext).toBe("# ucvm-context 1\n_UCONTEXT_B='2='\n");
  });
  it('a NUL byte in a plain entry line is W_CONTROL_CHAR', () => {
    expect(parse(Buffer.from('[ucernvm-begin]\nk=a\0b\nj=\x01\n[ucernvm-end]\n')).warnings).toBe(
      'W_CONTROL_CHAR user 0 2\nW_CONTROL_CHAR user 0 3\n',
    );
  });
});

describe('data is never executed', () => {
  it('parse, opennebula and azure leave command substitutions alone', () => {
    const mark = join(tmp, 'pwned');
    const evil = `$(touch ${mark})`;
    parse(`[ucernvm-begin]\nx=${evil}\n\`touch ${mark}\`=1\n[ucernvm-end]\n`);
    const out = mkdtempSync(join(tmp, 'o-'));
    const ctx = `A="${evil}"\nB=$(touch ${mark})\nC='\xff'\nUSER_DATA='${evil}'\n`;
    const r = ud(['opennebula', file(Buffer.from(ctx, 'latin1')), '--out', out]);
    expect(r.status).toBe(0);
    // invalid UTF-8 becomes U+FFFD, as the TypeScript decoder does (§3.2 item 6)
    expect(readFileSync(join(out, 'vars'), 'latin1')).toBe(
      `A\t${evil}\nC\t\xef\xbf\xbd\nUSER_DATA\t${evil}\n`,
    );
    expect(readFileSync(join(out, 'user-data'), 'latin1')).toBe(evil);
    expect(readFileSync(join(out, 'warnings'), 'latin1')).toBe('O_EXPANSION 1\nO_SYNTAX 2\n');
    expect(ud(['azure', file(evil)]).stdout.toString('latin1')).toBe(evil);
    expect(existsSync(mark)).toBe(false);
  });
});
