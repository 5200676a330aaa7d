// ucvm-untar check: the whole-archive rules of userdata.md §8.2 with the reason strings of the
// TypeScript reference (packages/userdata/src/inject.ts; its cases are mirrored here), run by
// busybox sh on the build host without chroot.
import { execFileSync, spawnSync } from 'node:child_process';
import { linkSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CORRUPT_TAR_CASES, REFUSED_INJECT_CASES } from '../../../userdata/test/inject-cases.js';
import {
  concat,
  END,
  type Entry,
  gnuLong,
  gzip,
  header,
  pax,
  tar,
  tgz,
} from '../../../userdata/test/tar-writer.js';
import { BUSYBOX, LIB_DIR } from './harness.js';

const UNTAR = join(LIB_DIR, 'bin/ucvm-untar');
const dir = mkdtempSync(join(tmpdir(), 'ucvm-untar-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let seq = 0;

/** `ucvm-untar check` of ARCHIVE: the member count, or the reason of a refusal. */
function check(archive: Uint8Array, maxCompressed?: number, extra: string[] = []): string {
  const file = join(dir, `a${++seq}.tgz`);
  writeFileSync(file, archive);
  if (maxCompressed !== undefined) extra.push('--max-compressed', String(maxCompressed));
  const r = spawnSync(BUSYBOX, ['sh', UNTAR, 'check', ...extra, file], {
    encoding: 'utf8',
    timeout: 120_000,
    env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' },
  });
  const out = r.stdout.trim();
  if (r.status === 0) return `ok ${out}`;
  expect(r.status, r.stderr).toBe(1);
  return out;
}

const LONG = `${'d'.repeat(90)}/${'e'.repeat(90)}/file.txt`;

describe('ucvm-untar check: accepted archives (§8.2)', () => {
  it('counts files, dirs, symlinks (any target), hard links, pax and GNU long names', () => {
    expect(
      check(
        tgz(
          { name: './etc/', type: '5', mode: 0o755 },
          { name: './etc/motd', data: 'hello\n', mode: 0o4755, uid: 1000, gid: 100, mtime: 42 },
          { name: 'etc/link', type: '2', linkname: '/etc/passwd' },
          { name: 'etc/hard', type: '1', linkname: './etc/motd' },
          pax({ path: LONG, uid: '4242', mtime: '1700000000.5' }),
          { name: 'truncated-name', data: 'x' },
          gnuLong(`${LONG}.gnu`),
          { name: 'truncated-too', data: 'yz', gnu: true },
          { name: 'file.txt', prefix: 'usr/share', data: '' },
        ),
      ),
    ).toBe('ok 7');
  });

  it('reads GNU long link targets and global pax owner records', () => {
    expect(
      check(
        tgz(
          pax({ uid: '7', gid: '8' }, 'g'),
          gnuLong(LONG),
          { name: 'cut', data: 'x', gnu: true },
          gnuLong(LONG, 'K'),
          { name: 'hard', type: '1', linkname: 'cut', gnu: true },
          pax({ uid: '' }),
          { name: 'own', uid: 3 },
        ),
      ),
    ).toBe('ok 3');
  });

  it('accepts the empty archive of vector V21 and a data block of 600 bytes', () => {
    expect(check(Buffer.from('H4sIAAAAAAAC/2NgGAWjYBSMVAAALq+17wAEAAA=', 'base64'))).toBe('ok 0');
    expect(check(tgz({ name: 'a', data: 'z'.repeat(600) }, { name: 'b' }))).toBe('ok 2');
  });

  it.each(['gnu', 'pax', 'ustar'])('accepts what host GNU tar writes (--format=%s)', (format) => {
    const root = join(dir, `host-${format}`);
    mkdirSync(join(root, 'etc', 'sub'), { recursive: true });
    writeFileSync(join(root, 'etc', 'motd'), 'hi\n');
    linkSync(join(root, 'etc', 'motd'), join(root, 'etc', 'motd.hard'));
    symlinkSync('../../usr/bin', join(root, 'etc', 'sub', 'up'));
    writeFileSync(join(root, 'etc', format === 'ustar' ? 'short' : 'n'.repeat(150)), '');
    const archive = join(dir, `host-${format}.tgz`);
    execFileSync('tar', [`--format=${format}`, '--sort=name', '-czf', archive, '-C', root, '.'], {
      timeout: 20_000,
    });
    expect(check(execFileSync('cat', [archive]))).toBe('ok 7');
  });

  it('accepts a symlink replaced by a later member of the same name', () => {
    expect(check(tgz({ name: 'l', type: '2', linkname: '/' }, { name: 'l', data: 'file' }))).toBe(
      'ok 2',
    );
  });

  it('accepts trailing zero bytes after the gzip members', () => {
    expect(check(concat(tgz({ name: 'a' }), new Uint8Array(7)))).toBe('ok 1');
  });
});

describe('ucvm-untar check: refused archives and reasons (§8.2)', () => {
  it.each<[string, Entry[]]>([
    ...REFUSED_INJECT_CASES,
    // A control byte in a name is shown as `?`, so the reason stays on one console line.
    ['absolute path /a?b', [{ name: '/a\nb' }]],
  ])('%s', (expected, entries) => {
    expect(check(tgz(...entries))).toBe(expected);
  });

  it('applies the name rules to pax and GNU long names', () => {
    expect(check(tgz(pax({ path: '/etc/cron.d/x' }), { name: 'harmless' }))).toBe(
      'absolute path /etc/cron.d/x',
    );
    expect(check(tgz(gnuLong('a/../../b'), { name: 'harmless', gnu: true }))).toBe(
      'parent reference a/../../b',
    );
    expect(
      check(tgz({ name: 'f' }, pax({ linkpath: '/f' }), { name: 'h', type: '1', linkname: 'f' })),
    ).toBe('link escapes h');
  });

  it('checks rules in archive order: the first offending member gives the reason', () => {
    expect(check(tgz({ name: 'ok' }, { name: '/abs' }, { name: 'dev', type: '3' }))).toBe(
      'absolute path /abs',
    );
  });

  it('refuses input that is not gzip', () => {
    expect(check(tar({ name: 'a' }))).toBe('not gzip');
    expect(check(new Uint8Array(0))).toBe('not gzip');
    expect(check(Uint8Array.of(0x1f))).toBe('not gzip');
  });

  it('refuses compressed input over the limit (9 MiB by default, 64 MiB for pickup)', () => {
    const archive = tgz({ name: 'a', data: 'x'.repeat(2000) });
    expect(check(archive, archive.length)).toBe('ok 1');
    expect(check(archive, archive.length - 1)).toBe('too large');
    const nineMiB = new Uint8Array(9 * 1024 * 1024 + 1);
    nineMiB.set([0x1f, 0x8b]);
    expect(check(nineMiB)).toBe('too large');
  });

  it('refuses an archive expanding beyond 256 MiB', () => {
    const mib = gzip(new Uint8Array(1024 * 1024));
    const head = gzip(header({ name: 'big', size: 257 * 1024 * 1024 }));
    expect(check(concat(head, ...Array.from({ length: 257 }, () => mib)))).toBe('too large');
  });

  it('refuses corrupt gzip streams', () => {
    const good = tgz({ name: 'a', data: 'hello' });
    const flipped = Uint8Array.from(good);
    flipped[12] = (flipped[12] as number) ^ 0xff;
    expect(check(flipped)).toBe('corrupt');
    expect(check(good.subarray(0, good.length - 4))).toBe('corrupt');
    expect(check(concat(good, Buffer.from('garbage')))).toBe('corrupt');
  });

  it.each(CORRUPT_TAR_CASES)('corrupt: %s', (_what, tarBytes) => {
    expect(check(gzip(tarBytes))).toBe('corrupt');
  });

  // The default is 100 000 (about a minute of busybox awk on the build host); the same code
  // path is exercised with a lower limit.
  it('accepts exactly the member limit and refuses one more (too large)', () => {
    const block = header({ name: 'same-empty-file' });
    const thousand = gzip(concat(...Array.from({ length: 1000 }, () => block)));
    const limit = ['--max-members', '1000'];
    expect(check(concat(thousand, gzip(END)), undefined, [...limit])).toBe('ok 1000');
    expect(check(concat(thousand, gzip(block), gzip(END)), undefined, [...limit])).toBe(
      'too large',
    );
  });
});
