// 14-cvmfs: resolution (§5.1), generated configuration (§5.2), snapshot
// pinning (§5.3), keys and the mount, with hostile values kept inert (§7).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { controlSocketResponder, Fixture } from './harness.js';

let fx: Fixture;
afterEach(() => fx?.cleanup());

const MARKER = '/tmp/ucvm-cvmfs-pwned';
const HASH = 'a'.repeat(40);

function ucontext(f: Fixture, lines: string[]): void {
  writeFileSync(join(f.run, 'context/ucontext'), `# ucvm-context 1\n${lines.join('\n')}\n`);
}

/** Resolve and write the config; returns the parsed `KEY=value` map (values via sh). */
function config(f: Fixture, mb = '10000'): Record<string, string> {
  const out = join(f.root, 'test.conf');
  const r = f.sh(
    `UCVM_SCRATCH_MB=${mb}; repo= ospath= proxy= pac= server_url= tag= mode= root_hash=
stage_cvmfs_resolve; stage_cvmfs_snapshot; stage_cvmfs_write_config "${out}" ""
echo "ospath=$ospath mode=$mode"`,
    { stages: ['14-cvmfs'] },
  );
  expect(r.stderr).toBe('');
  // Sourcing the file must only assign variables (cvmfs sources it with /bin/sh).
  const src = spawnSync('/bin/sh', ['-c', `set -a; . "${out}"; env`], {
    encoding: 'utf8',
    env: {},
  });
  expect(src.status).toBe(0);
  const map: Record<string, string> = {};
  for (const line of src.stdout.split('\n')) {
    const m = /^(CVMFS_[A-Z_]+)=(.*)$/.exec(line);
    if (m) map[m[1] as string] = m[2] as string;
  }
  const extra = /ospath=(\S*) mode=(\S*)/.exec(r.stdout);
  map.ospath = extra?.[1] ?? '';
  map.mode = extra?.[2] ?? '';
  map.raw = f.read('test.conf');
  return map;
}

describe('§5.1 resolution and §5.2 configuration', () => {
  it('defaults', () => {
    fx = new Fixture();
    const c = config(fx);
    expect(c.CVMFS_SERVER_URL).toBe('http://hepvm.cern.ch/cvmfs/cernvm-devel.cern.ch');
    expect(c.CVMFS_HTTP_PROXY).toBe('auto;DIRECT');
    expect([
      'http://grid-wpad/wpad.dat;http://wpad/wpad.dat;http://cernvm-wpad.cern.ch/wpad.dat;http://cernvm-wpad.fnal.gov/wpad.dat',
      'http://grid-wpad/wpad.dat;http://wpad/wpad.dat;http://cernvm-wpad.fnal.gov/wpad.dat;http://cernvm-wpad.cern.ch/wpad.dat',
    ]).toContain(c.CVMFS_PAC_URLS);
    expect(c.CVMFS_KEYS_DIR).toBe('/etc/cvmfs/keys/cernvm-devel.cern.ch');
    expect(c.CVMFS_CACHE_BASE).toBe(`${fx.rw}/cache`);
    expect(c.CVMFS_SHARED_CACHE).toBe('no');
    expect(c.CVMFS_QUOTA_LIMIT).toBe('2000');
    expect(c.CVMFS_REPOSITORY_TAG).toBeUndefined();
    expect(c.CVMFS_ROOT_HASH).toBeUndefined();
    expect(c.mode).toBe('fresh');
    // every value is single-quoted
    for (const line of c.raw?.trim().split('\n') ?? [])
      expect(line).toMatch(/^CVMFS_[A-Z_]+='[^']*'$/);
  });

  it('quota is half the scratch size up to 4000 MiB', () => {
    fx = new Fixture();
    expect(config(fx, '3000').CVMFS_QUOTA_LIMIT).toBe('1500');
    expect(config(fx, '4000').CVMFS_QUOTA_LIMIT).toBe('2000');
    expect(config(fx, '4001').CVMFS_QUOTA_LIMIT).toBe('2000');
  });

  const table: {
    name: string;
    cmdline?: string;
    ctx?: string[];
    expect: Record<string, string | undefined>;
  }[] = [
    {
      name: 'kernel parameters, `,` and `;` both separate, blanks trimmed',
      cmdline:
        'cvmfs_repos=x.cern.ch cvmfs_server="a.example.org, b.example.org:8000;;c.example.org " cvmfs_proxy=http://p:3128 cvmfs_repository_tag=t1 cernvm_path=/cernvm/prod/',
      expect: {
        CVMFS_SERVER_URL:
          'http://a.example.org/cvmfs/x.cern.ch;http://b.example.org:8000/cvmfs/x.cern.ch;http://c.example.org/cvmfs/x.cern.ch',
        CVMFS_HTTP_PROXY: 'http://p:3128',
        CVMFS_REPOSITORY_TAG: 't1',
        CVMFS_KEYS_DIR: '/etc/cvmfs/keys/x.cern.ch',
        ospath: 'cernvm/prod',
      },
    },
    {
      name: 'user data beats kernel parameters; URLs with :// are kept',
      cmdline: 'cvmfs_repos=x.cern.ch cvmfs_server=k.example.org cvmfs_repository_tag=t1',
      ctx: [
        "_UCONTEXT_CVMFS_BRANCH='y.cern.ch'",
        "_UCONTEXT_CVMFS_SERVER='https://s1.example.org/cvmfs/y.cern.ch;s2.example.org'",
        "_UCONTEXT_CVMFS_TAG='t2'",
        "_UCONTEXT_CVMFS_PAC_URLS='http://wpad.example.org/wpad.dat;auto'",
      ],
      expect: {
        CVMFS_SERVER_URL:
          'https://s1.example.org/cvmfs/y.cern.ch;http://s2.example.org/cvmfs/y.cern.ch',
        CVMFS_REPOSITORY_TAG: 't2',
        CVMFS_PAC_URLS: 'http://wpad.example.org/wpad.dat;auto',
      },
    },
    {
      name: 'kernel CDN replaces the server list',
      cmdline: 'cvmfs_cdn=cdn1.example.org;cdn2.example.org cvmfs_server=k.example.org',
      expect: {
        CVMFS_SERVER_URL:
          'http://cdn1.example.org/cvmfs/cernvm-devel.cern.ch;http://cdn2.example.org/cvmfs/cernvm-devel.cern.ch',
      },
    },
    {
      name: 'user-data proxy or server switches the kernel CDN off',
      cmdline: 'cvmfs_cdn=cdn1.example.org cvmfs_server=k.example.org',
      ctx: ["_UCONTEXT_CVMFS_HTTP_PROXY='http://ca-proxy.cern.ch:3128;DIRECT'"],
      expect: {
        CVMFS_SERVER_URL: 'http://k.example.org/cvmfs/cernvm-devel.cern.ch',
        CVMFS_HTTP_PROXY: 'http://ca-proxy.cern.ch:3128;DIRECT',
      },
    },
    {
      name: 'user-data CDN wins over everything',
      cmdline: 'cvmfs_server=k.example.org',
      ctx: ["_UCONTEXT_CVMFS_SERVER='s.example.org'", "_UCONTEXT_CVMFS_CDN='cdn.example.org'"],
      expect: { CVMFS_SERVER_URL: 'http://cdn.example.org/cvmfs/cernvm-devel.cern.ch' },
    },
    {
      name: 'cvmfs_url is used verbatim',
      cmdline:
        'cvmfs_url=http://one.example.org/cvmfs/r;http://two.example.org/cvmfs/r cvmfs_server=k.example.org',
      expect: { CVMFS_SERVER_URL: 'http://one.example.org/cvmfs/r;http://two.example.org/cvmfs/r' },
    },
    {
      name: 'a valid proxy with shell metacharacters stays data',
      ctx: ["_UCONTEXT_CVMFS_HTTP_PROXY='http://p:3128;reboot|DIRECT'"],
      expect: { CVMFS_HTTP_PROXY: 'http://p:3128;reboot|DIRECT' },
    },
    {
      name: 'hostile kernel and user-data values are refused or quoted, never run',
      cmdline: `cvmfs_url="http://x.example.org/$(touch ${MARKER});\`touch ${MARKER}\`'" cvmfs_proxy=$(touch${'\u0020'}x) cvmfs_repos=a;touch`,
      ctx: [
        `_UCONTEXT_CVMFS_SERVER='host;$(touch ${MARKER})'`,
        `_UCONTEXT_CVMFS_TAG='a'\\''b'`,
        `_UCONTEXT_CERNVM_PATH='../../etc'`,
        `_UCONTEXT_CVMFS_PAC_URLS=http://w/$(touch ${MARKER})`,
      ],
      expect: {
        CVMFS_SERVER_URL: `http://x.example.org/$(touch ${MARKER});\`touch ${MARKER}\`'`,
        CVMFS_HTTP_PROXY: 'auto;DIRECT',
        CVMFS_KEYS_DIR: '/etc/cvmfs/keys/cernvm-devel.cern.ch',
        CVMFS_REPOSITORY_TAG: undefined,
        ospath: '',
      },
    },
  ];
  for (const t of table) {
    it(t.name, () => {
      rmSync(MARKER, { force: true });
      fx = new Fixture({ cmdline: t.cmdline ?? 'quiet' });
      if (t.ctx) ucontext(fx, t.ctx);
      const c = config(fx);
      for (const [k, v] of Object.entries(t.expect)) expect(c[k], k).toBe(v);
      expect(existsSync(MARKER)).toBe(false);
    });
  }
});

describe('§5.3 snapshot pinning', () => {
  function withAux(files: Record<string, string>): Record<string, string> {
    fx = new Fixture({ cmdline: 'cvmfs_repository_tag=kernel-tag' });
    mkdirSync(join(fx.rw, 'aux'), { recursive: true });
    for (const [n, c] of Object.entries(files)) writeFileSync(join(fx.rw, 'aux', n), c);
    return config(fx);
  }
  it('pinned: root hash and recorded tag', () => {
    const c = withAux({ cvmfs_snapshot: `${HASH}\nsnap-tag\n` });
    expect([c.mode, c.CVMFS_ROOT_HASH, c.CVMFS_REPOSITORY_TAG]).toEqual([
      'pinned',
      HASH,
      'snap-tag',
    ]);
  });
  it('pinned without a tag keeps the resolved tag', () => {
    const c = withAux({ cvmfs_snapshot: `${HASH}\n` });
    expect([c.mode, c.CVMFS_REPOSITORY_TAG]).toEqual(['pinned', 'kernel-tag']);
  });
  it('forced: no root hash, tag from the force file', () => {
    const c = withAux({ cvmfs_snapshot: `${HASH}\nold\n`, cvmfs_force_tag: 'new-tag\n' });
    expect([c.mode, c.CVMFS_ROOT_HASH, c.CVMFS_REPOSITORY_TAG]).toEqual([
      'forced',
      undefined,
      'new-tag',
    ]);
  });
  it('invalid files are ignored', () => {
    let c = withAux({ cvmfs_snapshot: 'not-a-hash\n' });
    expect([c.mode, c.CVMFS_ROOT_HASH]).toEqual(['fresh', undefined]);
    fx.cleanup();
    c = withAux({ cvmfs_snapshot: `${HASH}\n`, cvmfs_force_tag: 'bad tag$(x)\n' });
    expect([c.mode, c.CVMFS_ROOT_HASH]).toEqual(['pinned', HASH]);
  });
});

describe('14-cvmfs stage', () => {
  function ready(f: Fixture, opts: { keys?: boolean; scratchKeys?: boolean } = {}) {
    const repo = 'cernvm-devel.cern.ch';
    if (opts.keys !== false) {
      mkdirSync(join(f.prefix, 'etc/cvmfs/keys', repo), { recursive: true });
      writeFileSync(join(f.prefix, 'etc/cvmfs/keys', repo, 'cern.pub'), 'KEY\n');
    }
    if (opts.scratchKeys) {
      mkdirSync(join(f.rw, 'aux/keys', repo), { recursive: true });
      writeFileSync(join(f.rw, 'aux/keys', repo, 'extra.pub'), 'KEY2\n');
    }
    f.shim('cvmfs2', `mkdir -p "${f.ro}/cernvm/prod"`);
    f.shim('getfattr', `echo ${HASH}`);
    f.shim('nc.openbsd', 'cat >"$FIX/nc.stdin"; echo OK');
  }
  it('mounts, exports keys, leaves the snapshot record to 15-rebase', () => {
    fx = new Fixture({ cmdline: 'cernvm_path=cernvm/prod' });
    ready(fx);
    writeFileSync(join(fx.rw, '.keep'), '');
    const r = fx.stage('14-cvmfs', { before: 'UCVM_SCRATCH_MB=8000' });
    expect(r.stdout).toContain(
      `[ucvm] 14-cvmfs: ok cernvm-devel.cern.ch rev ${HASH} tag - (fresh)`,
    );
    const conf = join(fx.prefix, 'etc/cvmfs/config.d/cernvm-devel.cern.ch.conf');
    expect(fx.calls('cvmfs2')).toEqual([
      ['cvmfs2', '-o', `allow_other,config=${conf},cvmfs_suid`, 'cernvm-devel.cern.ch', fx.ro],
    ]);
    expect(existsSync(join(fx.rw, 'aux/cvmfs_snapshot'))).toBe(false);
    expect(fx.read('run/ucvm/state/UCVM_CVMFS_HASH')).toBe(`${HASH}\n`);
    expect(fx.read('root.rw/aux/keys/cernvm-devel.cern.ch/cern.pub')).toBe('KEY\n');
    expect(fx.read('run/ucvm/log/cvmfs.conf')).toBe(
      fx.read('initrd/etc/cvmfs/config.d/cernvm-devel.cern.ch.conf'),
    );
    expect(fx.read('root.rw/aux/uid_map')).toBe('');
  });
  it('keys only on scratch: warn and CVMFS_PUBLIC_KEY; no keys at all: panic', () => {
    fx = new Fixture({ cmdline: 'cernvm_path=cernvm/prod' });
    ready(fx, { keys: false, scratchKeys: true });
    const r = fx.stage('14-cvmfs');
    expect(r.stdout).toMatch(/14-cvmfs: warn .*keys for cernvm-devel.cern.ch only on scratch/);
    expect(fx.read('initrd/etc/cvmfs/config.d/cernvm-devel.cern.ch.conf')).toContain(
      `CVMFS_PUBLIC_KEY='${fx.rw}/aux/keys/cernvm-devel.cern.ch/extra.pub'`,
    );
    fx.cleanup();
    fx = new Fixture({ cmdline: 'ucvm_panic=poweroff ucvm_panic_delay=0' });
    ready(fx, { keys: false });
    expect(fx.stage('14-cvmfs').stdout).toContain(
      'UCVM-PANIC: 14-cvmfs: no public key for cernvm-devel.cern.ch',
    );
  });
  it('sends the nameserver over the control socket with OpenBSD nc; a failure is an info line', async () => {
    fx = new Fixture({ cmdline: 'cernvm_path=cernvm/prod' });
    ready(fx);
    writeFileSync(join(fx.prefix, 'etc/resolv.conf'), 'search x\nnameserver 10.0.2.3\n');
    const sock = join(fx.rw, 'cache/cernvm-devel.cern.ch/cvmfs_io.cernvm-devel.cern.ch');
    mkdirSync(join(sock, '..'), { recursive: true });
    const server: Server = createServer();
    await new Promise<void>((ok) => server.listen(sock, ok));
    try {
      let r = fx.stage('14-cvmfs');
      expect(r.stdout).toContain('[ucvm] 14-cvmfs: ok cernvm-devel.cern.ch');
      expect(r.stdout).not.toContain('nameserver');
      expect(fx.calls('nc.openbsd')).toEqual([['nc.openbsd', '-N', '-U', sock]]);
      expect(fx.read('fix/nc.stdin')).toBe('nameserver set 10.0.2.3\n');
      expect(fx.read('run/ucvm/log/cvmfs.log')).toContain('# answer: OK');
      fx.shim('nc.openbsd', 'echo "connect failed" >&2; exit 1');
      r = fx.stage('14-cvmfs');
      expect(r.stdout).toContain(
        '[ucvm] 14-cvmfs: info nameserver 10.0.2.3 not sent: no answer on the control socket (see log/cvmfs.log)',
      );
      expect(r.stdout).toContain('[ucvm] 14-cvmfs: ok cernvm-devel.cern.ch');
      expect(fx.read('run/ucvm/log/cvmfs.log')).toContain('connect failed');
    } finally {
      await new Promise((ok) => server.close(ok));
    }
    // No socket (client without a control socket): said, not silent.
    const r = fx.stage('14-cvmfs');
    expect(r.stdout).toContain(
      `[ucvm] 14-cvmfs: info nameserver 10.0.2.3 not sent: no control socket ${sock}`,
    );
  });
  it.runIf(existsSync('/bin/nc.openbsd'))(
    'the real OpenBSD nc delivers the request and reads the answer (control socket protocol)',
    async () => {
      fx = new Fixture({ cmdline: 'cernvm_path=cernvm/prod' });
      ready(fx);
      fx.shim('nc.openbsd', 'exec /bin/nc.openbsd "$@"');
      writeFileSync(join(fx.prefix, 'etc/resolv.conf'), 'nameserver 192.0.2.53\n');
      const sock = join(fx.rw, 'cache/cernvm-devel.cern.ch/cvmfs_io.cernvm-devel.cern.ch');
      mkdirSync(join(sock, '..'), { recursive: true });
      const got = fx.path('fix/request');
      // A separate process: the stage runs synchronously and blocks this event loop.
      const server = await controlSocketResponder(sock, got);
      try {
        const r = fx.stage('14-cvmfs');
        expect(r.stdout).toContain('[ucvm] 14-cvmfs: ok cernvm-devel.cern.ch');
        expect(r.stdout).not.toContain('nameserver');
        expect(readFileSync(got, 'utf8')).toBe('nameserver set 192.0.2.53\n');
        expect(fx.read('run/ucvm/log/cvmfs.log')).toContain('# answer: OK');
      } finally {
        server.kill();
      }
    },
  );
  it('a failing mount or a missing OS path panics', () => {
    fx = new Fixture({ cmdline: 'ucvm_panic=poweroff ucvm_panic_delay=0' });
    ready(fx);
    fx.shim('cvmfs2', 'echo "mount failed" >&2; exit 1');
    let r = fx.stage('14-cvmfs');
    expect(r.stdout).toContain('UCVM-PANIC: 14-cvmfs: cannot mount cernvm-devel.cern.ch');
    expect(r.stdout).toContain(
      "CVMFS_SERVER_URL='http://hepvm.cern.ch/cvmfs/cernvm-devel.cern.ch'",
    );
    fx.cleanup();
    fx = new Fixture({
      cmdline: 'cernvm_path=cernvm/missing ucvm_panic=poweroff ucvm_panic_delay=0',
    });
    ready(fx);
    r = fx.stage('14-cvmfs');
    expect(r.stdout).toContain(
      'UCVM-PANIC: 14-cvmfs: cernvm_path /cernvm/missing not found in cernvm-devel.cern.ch',
    );
  });
  it('pinned boots keep the snapshot file and pass the root hash', () => {
    fx = new Fixture({ cmdline: 'cernvm_path=cernvm/prod' });
    ready(fx);
    mkdirSync(join(fx.rw, 'aux'), { recursive: true });
    writeFileSync(join(fx.rw, 'aux/cvmfs_snapshot'), `${'b'.repeat(40)}\nt9\n`);
    const r = fx.stage('14-cvmfs');
    expect(r.stdout).toContain(`ok cernvm-devel.cern.ch rev ${'b'.repeat(40)} tag t9 (pinned)`);
    expect(fx.calls('getfattr')).toEqual([]);
    expect(fx.read('root.rw/aux/cvmfs_snapshot')).toBe(`${'b'.repeat(40)}\nt9\n`);
  });
});
