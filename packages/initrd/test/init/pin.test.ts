// 95-pinfiles and ucvm-pin (runtime.md §3 95-pinfiles, §6.2): the pin list
// resolution inside the union, the detached sender on the control socket.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BUSYBOX, controlSocketResponder, Fixture, LIB_DIR } from './harness.js';

let fx: Fixture;
afterEach(() => fx?.cleanup());

const REPO = 'r.cern.ch';

/** The union at /root with its scratch at mnt/.rw; a tools tree as 80 installs it. */
function union(f: Fixture, list: string, opts: { nc?: string } = {}): string {
  const root = f.newroot;
  for (const d of ['etc/ssl', 'usr/lib/x', 'mnt/.rw/cache', 'run/initramfs/bin', 'bin'])
    mkdirSync(join(root, d), { recursive: true });
  writeFileSync(join(root, 'etc/ssl/ca.pem'), '');
  writeFileSync(join(root, 'usr/lib/x/real.so'), '');
  symlinkSync('/usr/lib/x/real.so', join(root, 'usr/lib/abs.so')); // absolute: inside root
  symlinkSync('x/real.so', join(root, 'usr/lib/rel.so'));
  symlinkSync('../../../../etc/ssl/ca.pem', join(root, 'usr/lib/x/up.pem')); // `..` stops at root
  symlinkSync('loop2', join(root, 'loop1'));
  symlinkSync('loop1', join(root, 'loop2'));
  symlinkSync('/etc/passwd', join(root, 'bin/host')); // the host's file must not count
  symlinkSync(BUSYBOX, join(root, 'run/initramfs/bin/busybox'));
  writeFileSync(
    join(root, 'run/initramfs/bin/nc.openbsd'),
    opts.nc ??
      `#!/bin/sh\nprintf '%s\\n' "$*" >>"${f.path('fix/nc.argv')}"; cat >>"${f.path('fix/nc.stdin')}"; echo OK\n`,
    { mode: 0o755 },
  );
  writeFileSync(join(root, '.ucernvm_pinfiles'), list);
  return root;
}

async function until(file: string, ms = 20_000): Promise<string> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (existsSync(file)) return readFileSync(file, 'utf8');
    await new Promise((ok) => setTimeout(ok, 50));
  }
  throw new Error(`${file} did not appear within ${ms} ms`);
}

const LIST = [
  '# comment',
  '',
  '/etc/ssl/ca.pem',
  'relative/path',
  '/usr/lib/abs.so',
  '/usr/lib/rel.so',
  '/usr/lib/x/up.pem',
  '/loop1',
  '/etc/ssl',
  '/missing',
  '/bin/host',
  '/etc//ssl/./ca.pem\r',
  '/usr/lib/x/real.so', // last line without a newline
].join('\n');

describe('95-pinfiles', () => {
  it('resolves the list inside the union, then pins in the background', async () => {
    fx = new Fixture();
    union(fx, LIST);
    const r = fx.stage('95-pinfiles', {
      before: `UCVM_OS_PATH=cernvm/prod UCVM_REPO=${REPO}`,
    });
    expect(r.stdout).toBe(
      [
        '[ucvm] 95-pinfiles: info pin list line 4 ignored: not an absolute path',
        '[ucvm] 95-pinfiles: info pin list line 8 ignored: too many symlinks',
        '[ucvm] 95-pinfiles: info pin list line 9 ignored: not a regular file',
        '[ucvm] 95-pinfiles: info pin list line 10 ignored: not a regular file',
        '[ucvm] 95-pinfiles: info pin list line 11 ignored: not a regular file',
        '[ucvm] 95-pinfiles: ok pinning 6 files in background',
        '',
      ].join('\n'),
    );
    const cache = join(fx.newroot, 'mnt/.rw/cache');
    const paths = [
      '/cernvm/prod/etc/ssl/ca.pem',
      '/cernvm/prod/usr/lib/x/real.so',
      '/cernvm/prod/usr/lib/x/real.so',
      '/cernvm/prod/etc/ssl/ca.pem',
      '/cernvm/prod/etc/ssl/ca.pem',
      '/cernvm/prod/usr/lib/x/real.so',
    ];
    expect(await until(join(cache, 'pinned'))).toBe('ok=6 failed=0\n');
    expect(fx.read('fix/nc.stdin')).toBe(paths.map((p) => `pin ${p}\n`).join(''));
    expect(fx.read('fix/nc.argv').split('\n')[0]).toBe(`-N -U ${REPO}/cvmfs_io.${REPO}`);
    expect(readFileSync(join(cache, 'pin.log'), 'utf8')).toContain(
      'pin /cernvm/prod/etc/ssl/ca.pem: OK',
    );
  });

  it('an empty cernvm_path gives repository paths without //; failures are counted', async () => {
    fx = new Fixture();
    union(fx, '/etc/ssl/ca.pem\n/usr/lib/x/real.so\n', {
      nc: '#!/bin/sh\ncat >/dev/null; echo "ERROR no such file"\n',
    });
    const r = fx.stage('95-pinfiles', { before: `UCVM_OS_PATH= UCVM_REPO=${REPO}` });
    expect(r.stdout).toBe('[ucvm] 95-pinfiles: ok pinning 2 files in background\n');
    const cache = join(fx.newroot, 'mnt/.rw/cache');
    expect(await until(join(cache, 'pinned'))).toBe('ok=0 failed=2\n');
    expect(readFileSync(join(cache, 'pin.list'), 'utf8')).toBe(
      '/etc/ssl/ca.pem\n/usr/lib/x/real.so\n',
    );
    expect(readFileSync(join(cache, 'pin.log'), 'utf8')).toContain(
      'pin /etc/ssl/ca.pem: failed (ERROR no such file)',
    );
  });

  it('no pin list (or a symlink): skip', () => {
    fx = new Fixture();
    expect(fx.stage('95-pinfiles').stdout).toBe('[ucvm] 95-pinfiles: skip no /.ucernvm_pinfiles\n');
    writeFileSync(fx.path('list'), '/x\n');
    symlinkSync(fx.path('list'), join(fx.newroot, '.ucernvm_pinfiles'));
    expect(fx.stage('95-pinfiles').stdout).toBe('[ucvm] 95-pinfiles: skip no /.ucernvm_pinfiles\n');
  });

  it('the sender gives up on a silent socket after 30 s per file (bounded)', async () => {
    fx = new Fixture();
    union(fx, '/etc/ssl/ca.pem\n', { nc: '#!/bin/sh\nexec sleep 3600\n' });
    const cache = join(fx.newroot, 'mnt/.rw/cache');
    const t0 = Date.now();
    const child = spawn(
      BUSYBOX,
      [
        'sh',
        join(LIB_DIR, 'bin/ucvm-pin'),
        '--root',
        fx.newroot,
        '--prefix',
        '/',
        '--list',
        join(fx.newroot, '.ucernvm_pinfiles'),
        '--cache',
        cache,
        '--socket',
        'x/sock',
        '--tools',
        '../../../run/initramfs',
        '--foreground',
      ],
      { env: fx.env() },
    );
    expect(await until(join(cache, 'pinned'), 45_000)).toBe('ok=0 failed=1\n');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(29_000);
    child.kill();
  }, 60_000);

  it.runIf(existsSync('/bin/nc.openbsd'))(
    'the real OpenBSD nc sends `pin <path>` and reads OK (control socket protocol)',
    async () => {
      fx = new Fixture();
      union(fx, '/etc/ssl/ca.pem\n');
      rmSync(join(fx.newroot, 'run/initramfs/bin/nc.openbsd'));
      symlinkSync('/bin/nc.openbsd', join(fx.newroot, 'run/initramfs/bin/nc.openbsd'));
      const cache = join(fx.newroot, 'mnt/.rw/cache');
      mkdirSync(join(cache, REPO));
      const sock = join(cache, REPO, `cvmfs_io.${REPO}`);
      const got = fx.path('fix/request');
      const server = await controlSocketResponder(sock, got);
      try {
        const r = fx.stage('95-pinfiles', { before: `UCVM_OS_PATH=cernvm/prod UCVM_REPO=${REPO}` });
        expect(r.stdout).toBe('[ucvm] 95-pinfiles: ok pinning 1 files in background\n');
        expect(await until(join(cache, 'pinned'))).toBe('ok=1 failed=0\n');
        expect(readFileSync(got, 'utf8')).toBe('pin /cernvm/prod/etc/ssl/ca.pem\n');
      } finally {
        server.kill();
      }
    },
  );

  it('usage errors exit 2', () => {
    fx = new Fixture();
    const r = fx.exec(['sh', join(LIB_DIR, 'bin/ucvm-pin'), '--root']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('usage: ucvm-pin');
  });
});
