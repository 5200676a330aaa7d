// 15-rebase: the conflict table of ucvm-rebase row by row on small trees with
// real overlayfs whiteouts (char 0/0) and trusted.overlay.opaque (runtime.md
// §3 15-rebase item 1), and the stage around it (items 2–3, §5.3).
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Fixture, LIB_DIR } from './harness.js';

let fx: Fixture;
afterEach(() => fx?.cleanup());

const OLD = 'a'.repeat(40);
const NEW = 'b'.repeat(40);
const TS = '2026-01-02T03:04:05+00:00';

/** Whiteouts need mknod and opaque dirs trusted xattrs: root on a file system that has them. */
function capable(): boolean {
  if (process.getuid?.() !== 0) return false;
  const probe = spawnSync('sh', [
    '-c',
    'd=$(mktemp -d) && mknod "$d/w" c 0 0 && mkdir "$d/o" && setfattr -n trusted.overlay.opaque -v y "$d/o" && r=0 || r=1; rm -rf "$d"; exit $r',
  ]);
  return probe.status === 0;
}
const CAN = capable();

type Node =
  | { t: 'file'; c?: string }
  | { t: 'dir'; opaque?: boolean }
  | { t: 'wh' }
  | { t: 'link'; to: string }
  | { t: 'fifo' };

function make(root: string, tree: Record<string, Node>): void {
  mkdirSync(root, { recursive: true });
  for (const [p, n] of Object.entries(tree)) {
    const f = join(root, p);
    mkdirSync(dirname(f), { recursive: true });
    if (n.t === 'file') writeFileSync(f, n.c ?? p);
    else if (n.t === 'dir') {
      mkdirSync(f, { recursive: true });
      if (n.opaque) sh(`setfattr -n trusted.overlay.opaque -v y '${f}'`);
    } else if (n.t === 'wh') sh(`mknod '${f}' c 0 0`);
    else if (n.t === 'fifo') sh(`mkfifo '${f}'`);
    else symlinkSync(n.to, f);
  }
}

function sh(cmd: string): string {
  const r = spawnSync('sh', ['-c', cmd], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd}: ${r.stderr}`);
  return r.stdout;
}

function isWhiteout(f: string): boolean {
  try {
    const s = lstatSync(f);
    return s.isCharacterDevice() && s.rdev === 0;
  } catch {
    return false;
  }
}
function opaque(f: string): boolean {
  return (
    spawnSync('getfattr', ['--only-values', '-h', '-n', 'trusted.overlay.opaque', f], {
      encoding: 'utf8',
    }).stdout === 'y'
  );
}
function exists(f: string): boolean {
  try {
    lstatSync(f);
    return true;
  } catch {
    return false;
  }
}

/** Run ucvm-rebase on LOWER/UPPER trees; returns the log lines and stdout. */
function rebase(
  lower: Record<string, Node>,
  upper: Record<string, Node>,
  prepare?: (up: string) => void,
) {
  fx = new Fixture();
  const lo = fx.path('lower');
  const up = fx.path('upper');
  make(lo, lower);
  make(up, upper);
  prepare?.(up);
  mkdirSync(fx.path('aux'));
  const log = fx.path('aux', `rebase-${TS}.log`);
  const r = fx.exec(['sh', join(LIB_DIR, 'bin/ucvm-rebase'), lo, up, log]);
  const lines = existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : [];
  return { r, lines, up, lost: fx.path('aux/rebase-lost+found', TS) };
}

describe.runIf(CAN)('ucvm-rebase: the §3 15-rebase table row by row', () => {
  it('whiteout over absent: removed (drop-whiteout), protected or not', () => {
    const { r, lines, up } = rebase(
      { usr: { t: 'dir' } },
      { 'usr/gone': { t: 'wh' }, 'etc/gone': { t: 'wh' } },
    );
    expect(r.status).toBe(0);
    expect(lines).toEqual(['drop-whiteout etc/gone', 'drop-whiteout usr/gone']);
    expect(exists(join(up, 'usr/gone')) || exists(join(up, 'etc/gone'))).toBe(false);
  });
  it('whiteout over present, unprotected: removed (restore); protected: kept (keep-deleted)', () => {
    const { r, lines, up } = rebase(
      { 'usr/bin/a': { t: 'file' }, 'etc/b': { t: 'file' }, 'var/lib/rpm/db': { t: 'file' } },
      { 'usr/bin/a': { t: 'wh' }, 'etc/b': { t: 'wh' }, 'var/lib/rpm/db': { t: 'wh' } },
    );
    expect(r.stdout).toContain('counts restore=2 rebase=0 preserve=0 displace=0');
    expect(lines).toEqual(['keep-deleted etc/b', 'restore usr/bin/a', 'restore var/lib/rpm/db']);
    expect(exists(join(up, 'usr/bin/a'))).toBe(false);
    expect(isWhiteout(join(up, 'etc/b'))).toBe(true);
  });
  it('a character device that is not 0/0 is an ordinary non-directory', () => {
    const { r, lines } = rebase({ 'usr/tty': { t: 'file' } }, {}, (up) =>
      sh(`mkdir '${up}/usr' && mknod '${up}/usr/tty' c 5 1`),
    );
    expect(r.stdout).toContain('rebase=1');
    expect(lines).toEqual(['rebase usr/tty']);
  });
  it('opaque dir over dir, unprotected: xattr removed (unopaque), then recursed', () => {
    const { lines, up } = rebase(
      { 'opt/d/z': { t: 'file' }, 'opt/d/keep': { t: 'file' } },
      { 'opt/d': { t: 'dir', opaque: true }, 'opt/d/z': { t: 'file', c: 'mine' } },
    );
    expect(lines).toEqual(['unopaque opt/d', 'rebase opt/d/z']);
    expect(opaque(join(up, 'opt/d'))).toBe(false);
    expect(exists(join(up, 'opt/d/z'))).toBe(false);
  });
  it('opaque dir over dir, protected: kept, not recursed (keep-opaque)', () => {
    const { lines, up } = rebase(
      { 'etc/d/z': { t: 'file' } },
      { 'etc/d': { t: 'dir', opaque: true }, 'etc/d/z': { t: 'wh' } },
    );
    expect(lines).toEqual(['keep-opaque etc/d']);
    expect(opaque(join(up, 'etc/d'))).toBe(true);
    expect(isWhiteout(join(up, 'etc/d/z'))).toBe(true);
  });
  it('non-directory over absent: kept, not logged', () => {
    const { lines, up } = rebase(
      { usr: { t: 'dir' } },
      { 'usr/mine': { t: 'file' }, 'usr/l': { t: 'link', to: '/etc' }, 'etc/x': { t: 'file' } },
    );
    expect(lines).toEqual([]);
    expect(exists(join(up, 'usr/mine')) && exists(join(up, 'usr/l'))).toBe(true);
  });
  it('non-directory over present of any type, unprotected: removed (rebase)', () => {
    const { r, lines, up } = rebase(
      {
        'usr/f': { t: 'file' },
        'usr/d/x': { t: 'file' },
        'usr/dangling': { t: 'link', to: '/nowhere' },
        'usr/p': { t: 'file' },
        'var/lib/rpm/Packages': { t: 'file' },
      },
      {
        'usr/f': { t: 'file', c: 'local' },
        'usr/d': { t: 'link', to: '/etc' },
        'usr/dangling': { t: 'file' },
        'usr/p': { t: 'fifo' },
        'var/lib/rpm/Packages': { t: 'file' },
      },
    );
    expect(r.stdout).toContain('rebase=5');
    expect(lines).toEqual([
      'rebase usr/d',
      'rebase usr/dangling',
      'rebase usr/f',
      'rebase usr/p',
      'rebase var/lib/rpm/Packages',
    ]);
    expect(readdirSync(join(up, 'usr'))).toEqual([]);
  });
  it('non-directory over present, protected: kept (preserve)', () => {
    const { r, lines, up } = rebase(
      { 'etc/b': { t: 'file' }, 'root/.bashrc': { t: 'file' }, 'var/lib/x': { t: 'file' } },
      { 'etc/b': { t: 'file' }, 'root/.bashrc': { t: 'file' }, 'var/lib/x': { t: 'file' } },
    );
    expect(r.stdout).toContain('preserve=3');
    expect(lines).toEqual(['preserve etc/b', 'preserve root/.bashrc', 'preserve var/lib/x']);
    expect(exists(join(up, 'etc/b'))).toBe(true);
  });
  it('dir (or opaque dir) over absent, dir over dir: recursed, not logged', () => {
    const { lines, up } = rebase(
      { 'usr/share/f': { t: 'file' } },
      {
        'new/sub/f': { t: 'file' },
        'newop/f': { t: 'file' },
        newop: { t: 'dir', opaque: true },
        'usr/share/f': { t: 'file' },
        'usr/share/own': { t: 'file' },
      },
    );
    expect(lines).toEqual(['rebase usr/share/f']);
    expect(exists(join(up, 'new/sub/f')) && exists(join(up, 'usr/share/own'))).toBe(true);
    expect(opaque(join(up, 'newop'))).toBe(true);
  });
  it('dir over non-directory, unprotected: subtree moved to lost+found (displace); protected: preserve', () => {
    const { r, lines, up, lost } = rebase(
      {
        lib: { t: 'link', to: 'usr/lib' },
        'usr/lib/z': { t: 'file' },
        'etc/conf.d': { t: 'file' },
      },
      {
        'lib/mod/a': { t: 'file', c: 'A' },
        'lib/z': { t: 'wh' },
        'etc/conf.d/x': { t: 'file' },
        'opt/o': { t: 'dir', opaque: true },
      },
    );
    expect(r.stdout).toContain('counts restore=0 rebase=0 preserve=1 displace=1');
    expect(lines).toEqual(['preserve etc/conf.d', 'displace lib']);
    expect(exists(join(up, 'lib'))).toBe(false);
    expect(readFileSync(join(lost, 'lib/mod/a'), 'utf8')).toBe('A');
    expect(isWhiteout(join(lost, 'lib/z'))).toBe(true);
    expect(exists(join(up, 'etc/conf.d/x'))).toBe(true);
  });
  it('never follows symlinks: an upper link to a directory is a non-directory', () => {
    const { lines, up } = rebase(
      { 'usr/bin/a': { t: 'file' } },
      { 'usr/bin/a': { t: 'wh' }, sl: { t: 'link', to: 'usr' }, abs: { t: 'link', to: '/usr' } },
    );
    expect(lines).toEqual(['restore usr/bin/a']);
    expect(lstatSync(join(up, 'sl')).isSymbolicLink()).toBe(true);
  });
  it('names with blanks, newlines and leading dots', () => {
    const { lines, up } = rebase(
      {
        '.hidden': { t: 'file' },
        'a b': { t: 'file' },
        'x\ny': { t: 'file' },
        '..z': { t: 'file' },
      },
      { '.hidden': { t: 'wh' }, 'a b': { t: 'file' }, 'x\ny': { t: 'file' }, '..z': { t: 'file' } },
    );
    expect(lines).toEqual(['rebase a b', 'rebase x?y', 'restore .hidden', 'rebase ..z']);
    expect(readdirSync(up)).toEqual([]);
  });
  it('progress every 10 000 entries', () => {
    fx = new Fixture();
    const up = fx.path('upper');
    mkdirSync(join(up, 'many'), { recursive: true });
    sh(`cd '${join(up, 'many')}' && seq 1 10000 | xargs touch`);
    mkdirSync(fx.path('lower'));
    const r = fx.exec([
      'sh',
      join(LIB_DIR, 'bin/ucvm-rebase'),
      fx.path('lower'),
      up,
      fx.path('rebase-x.log'),
    ]);
    expect(r.stdout).toBe('progress 10000\ncounts restore=0 rebase=0 preserve=0 displace=0\n');
  });
  it('a failing action ends the walk with exit 1 and a message', () => {
    fx = new Fixture();
    make(fx.path('lower'), { lib: { t: 'file' } });
    make(fx.path('upper'), { 'lib/x': { t: 'file' } });
    writeFileSync(fx.path('rebase-lost+found'), 'in the way');
    const r = fx.exec([
      'sh',
      join(LIB_DIR, 'bin/ucvm-rebase'),
      fx.path('lower'),
      fx.path('upper'),
      fx.path(`rebase-${TS}.log`),
    ]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('ucvm-rebase: cannot create');
  });
});

describe.runIf(CAN)('15-rebase stage', () => {
  const REPO = 'cernvm-devel.cern.ch';
  function ready(
    f: Fixture,
    opts: { mode?: string; hash?: string; snapshot?: string; force?: string } = {},
  ): string {
    const lower = join(f.ro, 'cernvm/prod');
    mkdirSync(join(f.rw, 'aux'), { recursive: true });
    mkdirSync(join(f.rw, 'persistent'), { recursive: true });
    mkdirSync(join(f.prefix, 'etc/cvmfs/config.d'), { recursive: true });
    writeFileSync(join(f.prefix, `etc/cvmfs/config.d/${REPO}.conf`), "CVMFS_REPOSITORY_TAG='t2'\n");
    if (opts.snapshot !== undefined) writeFileSync(join(f.rw, 'aux/cvmfs_snapshot'), opts.snapshot);
    if (opts.force !== undefined) writeFileSync(join(f.rw, 'aux/cvmfs_force_tag'), opts.force);
    f.shim('umount');
    f.shim('cvmfs2');
    mkdirSync(lower, { recursive: true });
    return `UCVM_CVMFS_MODE=${opts.mode ?? 'forced'} UCVM_CVMFS_HASH=${opts.hash ?? NEW} UCVM_CVMFS_TAG=t2 UCVM_REPO=${REPO} UCVM_OS_PATH=cernvm/prod`;
  }

  it('pinned or unknown hash: skip, nothing recorded', () => {
    fx = new Fixture();
    let before = ready(fx, { mode: 'pinned', snapshot: `${OLD}\n\n` });
    expect(fx.stage('15-rebase', { before }).stdout).toContain(
      '[ucvm] 15-rebase: skip snapshot pinned',
    );
    before = ready(fx, { mode: 'fresh', hash: '' });
    expect(fx.stage('15-rebase', { before }).stdout).toContain(
      '[ucvm] 15-rebase: skip root hash unknown, no snapshot recorded',
    );
    expect(fx.read('root.rw/aux/cvmfs_snapshot')).toBe(`${OLD}\n\n`);
    expect(fx.calls()).toEqual([]);
  });
  it('same hash or empty upper layer: snapshot recorded, force file gone, no rebase', () => {
    fx = new Fixture();
    let before = ready(fx, { snapshot: `${NEW}\nold\n`, force: 't2\n' });
    writeFileSync(join(fx.rw, 'persistent/f'), '');
    let r = fx.stage('15-rebase', { before });
    expect(r.stdout).toContain(`[ucvm] 15-rebase: skip snapshot ${NEW} unchanged`);
    expect(fx.read('root.rw/aux/cvmfs_snapshot')).toBe(`${NEW}\nt2\n`);
    expect(existsSync(join(fx.rw, 'aux/cvmfs_force_tag'))).toBe(false);
    fx.cleanup();
    fx = new Fixture();
    before = ready(fx, { mode: 'fresh' });
    r = fx.stage('15-rebase', { before });
    expect(r.stdout).toContain(
      `[ucvm] 15-rebase: skip upper layer empty; snapshot ${NEW} recorded`,
    );
    expect(fx.read('root.rw/aux/cvmfs_snapshot')).toBe(`${NEW}\nt2\n`);
    expect(fx.calls()).toEqual([]);
  });
  it('rebases, merges accounts, remounts pinned, records the snapshot', () => {
    fx = new Fixture();
    const before = ready(fx, { snapshot: `${OLD}\nt1\n`, force: 't2\n' });
    const lower = join(fx.ro, 'cernvm/prod');
    make(lower, {
      'usr/bin/a': { t: 'file' },
      'etc/passwd': { t: 'file', c: 'root:x:0:0::/root:/bin/sh\nnew:x:1001:1001::/:/bin/sh\n' },
      'etc/group': { t: 'file', c: 'root:x:0:\nnew:x:1001:\n' },
      'etc/shadow': { t: 'file', c: 'root:*:1::::::\nnew:!:1::::::\n' },
      'etc/gshadow': { t: 'file', c: 'root:::\nnew:!::\n' },
    });
    make(join(fx.rw, 'persistent'), {
      'usr/bin/a': { t: 'wh' },
      'etc/passwd': { t: 'file', c: 'root:x:0:0::/root:/bin/bash\nme:x:1001:1001::/:/bin/sh\n' },
      'etc/group': { t: 'file', c: 'root:x:0:\nme:x:1001:\n' },
    });
    const r = fx.stage('15-rebase', { before });
    expect(r.stdout).toContain(`[ucvm] 15-rebase: info snapshot ${OLD} -> ${NEW}`);
    expect(r.stdout).toContain(
      `[ucvm] 15-rebase: ok rebased to ${NEW} (restore=1 rebase=0 preserve=2 displace=0)`,
    );
    const aux = readdirSync(join(fx.rw, 'aux'));
    const log = aux.find((n) => /^rebase-\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00\.log$/.test(n));
    expect(log).toBeDefined();
    const ts = log?.slice(7, -4);
    expect(fx.read('root.rw/aux', log as string)).toBe(
      `preserve etc/group\npreserve etc/passwd\nrestore usr/bin/a\nRebased to ${NEW}\n`,
    );
    expect(aux).toContain(`account_merge-${ts}.log`);
    expect(fx.read('root.rw/persistent/etc/passwd')).toBe(
      'root:x:0:0::/root:/bin/bash\nme:x:1001:1001::/:/bin/sh\nnew:x:1000:1000::/:/bin/sh\n',
    );
    expect(fx.read('root.rw/aux/uid_map')).toBe('1001 1000\n');
    expect(fx.read('root.rw/aux/gid_map')).toBe('1001 1000\n');
    const conf = join(fx.prefix, `etc/cvmfs/config.d/${REPO}.conf`);
    expect(fx.calls().map((c) => c[0])).toEqual(['umount', 'cvmfs2']);
    expect(fx.calls('cvmfs2')).toEqual([
      ['cvmfs2', '-o', `allow_other,config=${conf},cvmfs_suid`, REPO, fx.ro],
    ]);
    expect(readFileSync(conf, 'utf8')).toBe(
      `CVMFS_REPOSITORY_TAG='t2'\nCVMFS_ROOT_HASH='${NEW}'\n`,
    );
    expect(fx.read('run/ucvm/log/cvmfs.conf')).toBe(readFileSync(conf, 'utf8'));
    expect(fx.read('root.rw/aux/cvmfs_snapshot')).toBe(`${NEW}\nt2\n`);
    expect(existsSync(join(fx.rw, 'aux/cvmfs_force_tag'))).toBe(false);
  });
  it('account merge failure: warn, account files and maps untouched, still remounted and recorded', () => {
    fx = new Fixture();
    const before = ready(fx, { mode: 'fresh' });
    const lower = join(fx.ro, 'cernvm/prod');
    // every uid 201..999 is taken locally: the new upstream user 300 finds no id
    const local = Array.from({ length: 799 }, (_, i) => `u${i + 201}:x:${i + 201}:0::/:/bin/sh`);
    make(lower, {
      'etc/passwd': { t: 'file', c: 'root:x:0:0::/root:/bin/sh\nnew:x:300:0::/:/bin/sh\n' },
      'etc/group': { t: 'file', c: 'root:x:0:\nwheel:x:10:\n' },
    });
    const passwd = `root:x:0:0::/root:/bin/sh\n${local.join('\n')}\n`;
    make(join(fx.rw, 'persistent'), { 'etc/passwd': { t: 'file', c: passwd } });
    writeFileSync(join(fx.rw, 'aux/uid_map'), '5 6\n');
    const r = fx.stage('15-rebase', { before });
    expect(r.stdout).toMatch(
      /15-rebase: warn rebased to b{40} \(restore=0 rebase=0 preserve=1 displace=0\); account merge failed, account files unchanged \(aux\/account_merge-.*\.log\)$/m,
    );
    expect(readdirSync(join(fx.rw, 'persistent/etc'))).toEqual(['passwd']);
    expect(fx.read('root.rw/persistent/etc/passwd')).toBe(passwd);
    expect(fx.read('root.rw/aux/uid_map')).toBe('5 6\n');
    expect(readdirSync(join(fx.rw, 'aux')).filter((n) => n.includes('backup'))).toEqual([]);
    expect(fx.read('root.rw/aux/cvmfs_snapshot')).toBe(`${NEW}\nt2\n`);
  });
  it('a walk error or a failing remount panics; the snapshot is not recorded', () => {
    fx = new Fixture({ cmdline: 'ucvm_panic=poweroff ucvm_panic_delay=0' });
    let before = ready(fx, { snapshot: `${OLD}\n\n` });
    make(join(fx.ro, 'cernvm/prod'), { lib: { t: 'file' } });
    make(join(fx.rw, 'persistent'), { 'lib/x': { t: 'file' } });
    writeFileSync(join(fx.rw, 'aux/rebase-lost+found'), 'in the way');
    let r = fx.stage('15-rebase', { before });
    expect(r.stdout).toMatch(
      /UCVM-PANIC: 15-rebase: conflict resolution failed: ucvm-rebase: cannot create/,
    );
    expect(fx.read('root.rw/aux/cvmfs_snapshot')).toBe(`${OLD}\n\n`);
    fx.cleanup();
    fx = new Fixture({ cmdline: 'ucvm_panic=poweroff ucvm_panic_delay=0' });
    before = ready(fx, { snapshot: `${OLD}\n\n` });
    make(join(fx.rw, 'persistent'), { 'x/y': { t: 'file' } });
    fx.shim('cvmfs2', 'exit 1');
    r = fx.stage('15-rebase', { before });
    expect(r.stdout).toContain(`UCVM-PANIC: 15-rebase: cannot remount ${REPO} at ${NEW}`);
    expect(fx.read('root.rw/aux/cvmfs_snapshot')).toBe(`${OLD}\n\n`);
  });
});
