import { execFileSync } from 'node:child_process';
import { linkSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CORRUPT_TAR_CASES, REFUSED_INJECT_CASES } from '../test/inject-cases.js';
import { concat, END, gnuLong, gzip, header, pax, tar, tgz } from '../test/tar-writer.js';
import { checkInjectArchive } from './inject.js';

const reason = (archive: Uint8Array, opts?: { maxCompressed?: number }): string => {
  const r = checkInjectArchive(archive, opts);
  return r.ok ? 'ok' : r.reason;
};
const LONG = `${'d'.repeat(90)}/${'e'.repeat(90)}/file.txt`;

describe('checkInjectArchive: accepted archives (§8.2)', () => {
  it('lists files, dirs, symlinks, hard links and long names with their metadata', () => {
    const r = checkInjectArchive(
      tgz(
        { name: './etc/', type: '5', mode: 0o755 },
        { name: './etc/motd', data: 'hello\n', mode: 0o4755, uid: 1000, gid: 100, mtime: 42 },
        { name: 'etc/link', type: '2', linkname: '/etc/passwd' }, // targets are not restricted
        { name: 'etc/hard', type: '1', linkname: './etc/motd' },
        pax({ path: LONG, uid: '4242', mtime: '1700000000.5' }),
        { name: 'truncated-name', data: 'x' },
        gnuLong(`${LONG}.gnu`),
        { name: 'truncated-too', data: 'yz', gnu: true },
        { name: 'file.txt', prefix: 'usr/share', data: '' },
      ),
    );
    expect(r).toEqual({
      ok: true,
      expandedSize: 512 * 16,
      members: [
        {
          name: 'etc/',
          type: 'directory',
          size: 0,
          mode: 0o755,
          uid: 0,
          gid: 0,
          mtime: 1_700_000_000,
        },
        { name: 'etc/motd', type: 'file', size: 6, mode: 0o4755, uid: 1000, gid: 100, mtime: 42 },
        {
          name: 'etc/link',
          type: 'symlink',
          size: 0,
          mode: 0o644,
          uid: 0,
          gid: 0,
          mtime: 1_700_000_000,
          linkTarget: '/etc/passwd',
        },
        {
          name: 'etc/hard',
          type: 'hardlink',
          size: 0,
          mode: 0o644,
          uid: 0,
          gid: 0,
          mtime: 1_700_000_000,
          linkTarget: 'etc/motd',
        },
        { name: LONG, type: 'file', size: 1, mode: 0o644, uid: 4242, gid: 0, mtime: 1_700_000_000 },
        {
          name: `${LONG}.gnu`,
          type: 'file',
          size: 2,
          mode: 0o644,
          uid: 0,
          gid: 0,
          mtime: 1_700_000_000,
        },
        {
          name: 'usr/share/file.txt',
          type: 'file',
          size: 0,
          mode: 0o644,
          uid: 0,
          gid: 0,
          mtime: 1_700_000_000,
        },
      ],
    });
  });

  it('reads GNU long link targets and global pax owner records', () => {
    const r = checkInjectArchive(
      tgz(
        pax({ uid: '7', gid: '8' }, 'g'),
        gnuLong(LONG),
        { name: 'cut', data: 'x', gnu: true },
        gnuLong(LONG, 'K'),
        { name: 'hard', type: '1', linkname: 'cut', gnu: true },
        pax({ uid: '' }), // an empty value cancels the global one for this member
        { name: 'own', uid: 3 },
      ),
    );
    expect(r.ok && r.members.map((m) => [m.name, m.linkTarget, m.uid, m.gid])).toEqual([
      [LONG, undefined, 7, 8],
      ['hard', LONG, 7, 8],
      ['own', undefined, 3, 8],
    ]);
  });

  it('accepts the empty archive of vector V21', () => {
    const v21 = Buffer.from('H4sIAAAAAAAC/2NgGAWjYBSMVAAALq+17wAEAAA=', 'base64');
    expect(checkInjectArchive(v21)).toEqual({ ok: true, members: [], expandedSize: 1024 });
  });

  it.each(['gnu', 'pax', 'ustar'])(
    'accepts what host GNU tar writes (--format=%s, -C dir .)',
    (format) => {
      const dir = mkdtempSync(join(tmpdir(), 'ucvm-inject-'));
      try {
        const root = join(dir, 'root');
        mkdirSync(join(root, 'etc', 'sub'), { recursive: true });
        writeFileSync(join(root, 'etc', 'motd'), 'hi\n');
        linkSync(join(root, 'etc', 'motd'), join(root, 'etc', 'motd.hard'));
        symlinkSync('../../usr/bin', join(root, 'etc', 'sub', 'up'));
        const long = format === 'ustar' ? 'short' : 'n'.repeat(150);
        writeFileSync(join(root, 'etc', long), '');
        const archive = join(dir, 'a.tar.gz');
        execFileSync(
          'tar',
          [`--format=${format}`, '--sort=name', '-czf', archive, '-C', root, '.'],
          {
            timeout: 20_000,
          },
        );
        const r = checkInjectArchive(execFileSync('cat', [archive]));
        expect(r.ok).toBe(true);
        if (!r.ok) return;
        expect(
          r.members.map((m) => `${m.type} ${m.name}${m.linkTarget ? ` -> ${m.linkTarget}` : ''}`),
        ).toEqual([
          'directory .',
          'directory etc/',
          'file etc/motd',
          'hardlink etc/motd.hard -> etc/motd',
          `file etc/${long}`,
          'directory etc/sub/',
          'symlink etc/sub/up -> ../../usr/bin',
        ]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );

  it('accepts a symlink replaced by a later member of the same name', () => {
    expect(
      reason(tgz({ name: 'l', type: '2', linkname: '/' }, { name: 'l', data: 'now a file' })),
    ).toBe('ok');
  });
});

describe('checkInjectArchive: refused archives and reasons (§8.2)', () => {
  it.each(REFUSED_INJECT_CASES)('%s', (expected, entries) => {
    expect(reason(tgz(...entries))).toBe(expected);
  });

  it('applies the name rules to pax and GNU long names', () => {
    expect(reason(tgz(pax({ path: '/etc/cron.d/x' }), { name: 'harmless' }))).toBe(
      'absolute path /etc/cron.d/x',
    );
    expect(reason(tgz(gnuLong('a/../../b'), { name: 'harmless', gnu: true }))).toBe(
      'parent reference a/../../b',
    );
    expect(
      reason(tgz({ name: 'f' }, pax({ linkpath: '/f' }), { name: 'h', type: '1', linkname: 'f' })),
    ).toBe('link escapes h');
  });

  it('checks rules in archive order: the first offending member gives the reason', () => {
    expect(reason(tgz({ name: 'ok' }, { name: '/abs' }, { name: 'dev', type: '3' }))).toBe(
      'absolute path /abs',
    );
  });

  it('refuses input that is not gzip', () => {
    expect(reason(tar({ name: 'a' }))).toBe('not gzip');
    expect(reason(new Uint8Array(0))).toBe('not gzip');
    expect(reason(Uint8Array.of(0x1f))).toBe('not gzip');
  });

  it('refuses compressed input over the limit (9 MiB by default)', () => {
    const archive = tgz({ name: 'a', data: 'x'.repeat(2000) });
    expect(reason(archive, { maxCompressed: archive.length })).toBe('ok');
    expect(reason(archive, { maxCompressed: archive.length - 1 })).toBe('too large');
    const nineMiB = new Uint8Array(9 * 1024 * 1024 + 1);
    nineMiB.set([0x1f, 0x8b]);
    expect(reason(nineMiB)).toBe('too large');
  });

  it('refuses an archive expanding beyond 256 MiB', () => {
    // Concatenated gzip members (allowed) keep the test cheap: 257 × 1 MiB of zeros.
    const mib = gzip(new Uint8Array(1024 * 1024));
    const head = gzip(header({ name: 'big', size: 257 * 1024 * 1024 }));
    expect(reason(concat(head, ...Array.from({ length: 257 }, () => mib)))).toBe('too large');
  });

  it('refuses corrupt gzip streams', () => {
    const good = tgz({ name: 'a', data: 'hello' });
    const flipped = Uint8Array.from(good);
    flipped[12] = (flipped[12] as number) ^ 0xff;
    expect(reason(flipped)).toBe('corrupt');
    expect(reason(good.subarray(0, good.length - 4))).toBe('corrupt');
    expect(reason(concat(good, Buffer.from('garbage')))).toBe('corrupt');
  });

  it.each(CORRUPT_TAR_CASES)('corrupt: %s', (_what, tarBytes) => {
    expect(reason(gzip(tarBytes))).toBe('corrupt');
  });

  it('accepts exactly 100 000 members and refuses 100 001 (too large)', () => {
    const block = header({ name: 'same-empty-file' });
    const thousand = gzip(concat(...Array.from({ length: 1000 }, () => block)));
    const endGz = gzip(END);
    const hundredK = [...Array.from({ length: 100 }, () => thousand)];
    const ok = checkInjectArchive(concat(...hundredK, endGz));
    expect(ok.ok && ok.members.length).toBe(100_000);
    expect(reason(concat(...hundredK, gzip(block), endGz))).toBe('too large');
  });
});
