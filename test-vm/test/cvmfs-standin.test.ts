// Host tests of the CernVM-FS client stand-in (fixtures/cvmfs-standin, testing.md §4):
// busybox sh with shims for findfs/mount/nc, no real mounts or sockets.
import { execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const STANDIN = join(dirname(fileURLToPath(import.meta.url)), '../fixtures/cvmfs-standin');
const CVMFS2 = join(STANDIN, 'usr/bin/cvmfs2');
const REPO = 'cernvm-prod.cern.ch';

let t: string;
const killList: number[] = [];

beforeEach(async () => {
  t = await mkdtemp(join(tmpdir(), 'cvmfs-standin-'));
  for (const d of ['shims', 'run', 'cache', 'mnt', `keys/${REPO}`]) {
    await mkdir(join(t, d), { recursive: true });
  }
  await writeFile(join(t, `keys/${REPO}/cern.pub`), 'key\n');
  await shim('findfs', 'echo /dev/vdz');
  await shim('nofindfs', 'exit 1');
  // records the mount argv, one argument per line
  await shim('mount', `printf '%s\\n' "$@" >"${t}/mount.argv"`);
});

afterEach(async () => {
  // SIGTERM first: the daemon's trap also ends its listener and handler
  for (const pid of killList.splice(0)) {
    if (!alive(pid)) continue;
    process.kill(pid, 'SIGTERM');
    await until(`daemon ${pid} to exit`, () => !alive(pid)).catch(() =>
      process.kill(pid, 'SIGKILL'),
    );
  }
  await rm(t, { recursive: true, force: true });
});

async function shim(name: string, body: string): Promise<void> {
  const p = join(t, 'shims', name);
  await writeFile(p, `#!/bin/sh\n${body}\n`);
  await chmod(p, 0o755);
}

const q = (v: string) => `'${v.replace(/'/g, "'\\''")}'`;

/** The config as 14-cvmfs writes it (runtime.md §5.2), with `extra` lines appended. */
async function writeConfig(values: Record<string, string>, extra = ''): Promise<string> {
  const base: Record<string, string> = {
    CVMFS_CACHE_BASE: join(t, 'cache'),
    CVMFS_SHARED_CACHE: 'no',
    CVMFS_QUOTA_LIMIT: '2000',
    CVMFS_SERVER_URL: `http://hepvm.cern.ch/cvmfs/${REPO};http://s1.example/cvmfs/${REPO}`,
    CVMFS_HTTP_PROXY: 'auto;DIRECT',
    CVMFS_PAC_URLS: 'http://grid-wpad/wpad.dat;http://wpad/wpad.dat',
    CVMFS_KEYS_DIR: join(t, 'keys', REPO),
    ...values,
  };
  const text = Object.entries(base)
    .map(([k, v]) => `${k}=${q(v)}\n`)
    .join('');
  const file = join(t, `${REPO}.conf`);
  await writeFile(file, text + extra);
  return file;
}

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

function standin(args: string[], env: Record<string, string> = {}): Promise<Result> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn('busybox', ['sh', CVMFS2, ...args], {
      cwd: t,
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        CVMFS_STANDIN_MOUNT: join(t, 'shims/mount'),
        CVMFS_STANDIN_FINDFS: join(t, 'shims/findfs'),
        CVMFS_STANDIN_RUN: join(t, 'run'),
        // no listener unless a test gives one (the host may have nc.openbsd)
        CVMFS_STANDIN_NC: join(t, 'shims/absent'),
        ...env,
      },
      // the daemon keeps no pipe open: the test ends when the parent exits
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: performance.now() - started });
    });
  });
}

const mountArgs = (conf: string) => [
  '-o',
  `allow_other,config=${conf},cvmfs_suid`,
  REPO,
  join(t, 'mnt'),
];

async function record(): Promise<string[]> {
  return (await readFile(join(t, 'cache/cvmfs-standin', `${REPO}.record`), 'utf8'))
    .split('\n')
    .filter((l) => l !== '');
}

async function daemonPid(): Promise<number> {
  const state = await readFile(join(t, 'run', REPO, 'state'), 'utf8');
  const pid = Number(/^pid=(\d+)$/m.exec(state)?.[1]);
  expect(pid).toBeGreaterThan(1);
  killList.push(pid);
  return pid;
}

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 5000) {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Running and not a zombie (the orphaned daemon is reaped by whoever adopts it). */
const alive = (pid: number) => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
};

async function stop(pid: number): Promise<void> {
  process.kill(pid, 'SIGTERM');
  await until(`daemon ${pid} to exit`, () => !alive(pid));
}

describe('cvmfs-standin: files', () => {
  it('every file carries the marker; README says TEST STAND-IN in its first line', async () => {
    const files: string[] = [];
    const walk = async (d: string) => {
      for (const e of await readdir(d, { withFileTypes: true })) {
        if (e.isDirectory()) await walk(join(d, e.name));
        else files.push(join(d, e.name));
      }
    };
    await walk(STANDIN);
    expect(files.length).toBeGreaterThanOrEqual(4);
    for (const f of files) expect(await readFile(f, 'utf8'), f).toContain('cvmfs-standin');
    const readme = await readFile(join(STANDIN, 'README.md'), 'utf8');
    expect(readme.split('\n')[0]).toContain('TEST STAND-IN');
  });

  it('provides files for each glob of the default cvmfs initrd list', async () => {
    const lib = await readdir(join(STANDIN, 'usr/lib'));
    expect(lib.filter((n) => /^libcvmfs_fuse3[^/]*\.so/.test(n))).toHaveLength(1);
    expect(lib.filter((n) => /^libcvmfs_fuse[^/]*stub[^/]*\.so/.test(n))).toHaveLength(1);
    expect(existsSync(CVMFS2)).toBe(true);
  });

  it('is ShellCheck clean and says standin in its version', async () => {
    await run('shellcheck', ['-S', 'style', CVMFS2]);
    const r = await standin(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toMatch(/^CernVM-FS version \S*standin\S*$/);
  });
});

describe('cvmfs-standin: mount as 14-cvmfs calls it', () => {
  it('records argv, options and config, mounts the labelled disk read-only, stays running', async () => {
    const conf = await writeConfig({ CVMFS_REPOSITORY_TAG: 'cernvm-4.7', CVMFS_ROOT_HASH: 'ab12' });
    const r = await standin(mountArgs(conf));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const rec = await record();
    expect(rec[0]).toMatch(/^standin=.*TEST STAND-IN/);
    expect(rec).toEqual(
      expect.arrayContaining([
        'argc=4',
        'argv1=-o',
        `argv2=allow_other,config=${conf},cvmfs_suid`,
        `argv3=${REPO}`,
        `argv4=${join(t, 'mnt')}`,
        `repo=${REPO}`,
        'option=allow_other',
        `option=config=${conf}`,
        'option=cvmfs_suid',
        `config_file=${conf}`,
        `CVMFS_SERVER_URL=http://hepvm.cern.ch/cvmfs/${REPO};http://s1.example/cvmfs/${REPO}`,
        'CVMFS_HTTP_PROXY=auto;DIRECT',
        'CVMFS_PAC_URLS=http://grid-wpad/wpad.dat;http://wpad/wpad.dat',
        'CVMFS_QUOTA_LIMIT=2000',
        'CVMFS_REPOSITORY_TAG=cernvm-4.7',
        'CVMFS_ROOT_HASH=ab12',
        `CVMFS_KEYS_DIR=${join(t, 'keys', REPO)}`,
        `key=${join(t, 'keys', REPO, 'cern.pub')}`,
        'device=/dev/vdz',
        'root_hash=ab12',
        `socket=${join(t, 'cache', REPO, `cvmfs_io.${REPO}`)}`,
      ]),
    );
    // the initrd copy is the same record
    await until('the daemon to record its control state', async () =>
      (await record()).some((l) => l.startsWith('control=')),
    );
    expect(await readFile(join(t, 'run', `${REPO}.record`), 'utf8')).toBe(
      await readFile(join(t, 'cache/cvmfs-standin', `${REPO}.record`), 'utf8'),
    );
    expect((await readFile(join(t, 'mount.argv'), 'utf8')).split('\n')).toEqual([
      '-o',
      'ro',
      '/dev/vdz',
      join(t, 'mnt'),
      '',
    ]);
    const pid = await daemonPid();
    expect(alive(pid)).toBe(true);
    expect(await record()).toContain(`pid=${pid}`);
    // 30-pids finds it by its command line: the script itself, same arguments
    const cmdline = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0');
    const self = cmdline.indexOf(CVMFS2);
    expect(self).toBeGreaterThan(0);
    expect(cmdline.slice(self + 1, self + 3)).toEqual([
      '-o',
      `allow_other,config=${conf},cvmfs_suid`,
    ]);
    expect(await record()).toContain('control=none (no Unix-socket nc in the image)');
    await stop(pid);
    expect((await record()).at(-1)).toBe('event=stopped');
  });

  it('without a pinned hash serves the one the test disk declares', async () => {
    await writeFile(join(t, 'mnt/.standin_root_hash'), 'feed01\n');
    const r = await standin(mountArgs(await writeConfig({})));
    expect(r.code).toBe(0);
    expect(await record()).toContain('root_hash=feed01');
    await stop(await daemonPid());
  });

  it('keeps hostile single-quoted values inert and records them verbatim', async () => {
    const marker = join(t, 'MARKER');
    const hostile = `$(touch ${marker})\`touch ${marker}\`;touch ${marker}|x'y`;
    const conf = await writeConfig({ CVMFS_HTTP_PROXY: hostile, CVMFS_REPOSITORY_TAG: hostile });
    const r = await standin(mountArgs(conf));
    expect(r.code).toBe(0);
    expect(await record()).toEqual(
      expect.arrayContaining([`CVMFS_HTTP_PROXY=${hostile}`, `CVMFS_REPOSITORY_TAG=${hostile}`]),
    );
    await stop(await daemonPid());
    expect(existsSync(marker)).toBe(false);
  });

  it.each([
    ['unquoted command substitution', 'CVMFS_HTTP_PROXY=$(touch MARKER)\n', 'unquoted "$"'],
    ['backticks', 'CVMFS_TIMEOUT=`touch MARKER`\n', 'unquoted "`"'],
    ['double quotes', 'CVMFS_TIMEOUT="$(touch MARKER)"\n', 'unquoted """'],
    ['a command', 'touch MARKER\n', 'not a KEY=value line'],
    ['an unterminated quote', "CVMFS_TIMEOUT='5\n", 'unterminated single quote'],
  ])('refuses a config with %s (exit 2, names file and line)', async (_n, line, why) => {
    const conf = await writeConfig({}, line);
    const r = await standin(mountArgs(conf));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${conf}:8: ${why}`);
    expect(r.stderr).toContain('is not plain');
    expect(existsSync(join(t, 'MARKER'))).toBe(false);
    expect(existsSync(join(t, 'mount.argv'))).toBe(false);
  });

  it.each([
    [['r', '/m', 'extra'], 'unexpected argument: r'],
    [['-o', 'allow_other', 'r', '/m'], 'no config= option'],
    [['-o'], 'usage: cvmfs2'],
    [['-o', 'config=/x', '../evil', '/m'], 'bad repository name: ../evil'],
  ])('rejects bad command lines %j', async (args, why) => {
    const r = await standin(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(why);
  });

  it('fails without a public key, like the real client', async () => {
    await rm(join(t, 'keys', REPO, 'cern.pub'));
    const r = await standin(mountArgs(await writeConfig({})));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`no public key for ${REPO}`);
    expect(existsSync(join(t, 'mount.argv'))).toBe(false);
  });

  it('gives up within its deadline when no disk carries the label', async () => {
    const r = await standin(mountArgs(await writeConfig({})), {
      CVMFS_STANDIN_FINDFS: join(t, 'shims/nofindfs'),
      CVMFS_STANDIN_DEADLINE: '2',
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('no device labelled UCVM_TESTOS within 2 s');
    expect(r.ms).toBeGreaterThanOrEqual(1500);
    expect(r.ms).toBeLessThan(6000);
    expect(await record()).toContain('error=no device labelled UCVM_TESTOS');
    expect(existsSync(join(t, 'mount.argv'))).toBe(false);
    expect(existsSync(join(t, 'run', REPO, 'state'))).toBe(false);
  });

  it('fails when the mount fails', async () => {
    await shim('mount', 'exit 32');
    const r = await standin(mountArgs(await writeConfig({})));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`cannot mount /dev/vdz read-only on ${join(t, 'mnt')}`);
    expect(await record()).toContain('error=mount /dev/vdz failed');
  });
});

describe('cvmfs-standin: control socket', () => {
  /**
   * Stands in for `nc.openbsd -N -lU SOCK`: creates SOCK, takes one request from SOCK.req,
   * writes it to stdout (the daemon's handler) and the handler's answer to SOCK.reply.
   */
  beforeEach(async () => {
    await shim(
      'nc',
      [
        '[ "$1 $2" = "-N -lU" ] || exit 64',
        's="$3"; : >"$s"; n=0',
        'while [ ! -f "$s.req" ]; do n=$((n + 1)); [ "$n" -lt 400 ] || exit 1; sleep 0.05; done',
        'mv "$s.req" "$s.cur"; cat "$s.cur"; cat >"$s.tmp"; mv "$s.tmp" "$s.reply"',
      ].join('\n'),
    );
  });

  async function talk(sock: string, line: string): Promise<string> {
    await writeFile(`${sock}.req`, `${line}\n`);
    await until(`the answer to ${line}`, () => existsSync(`${sock}.reply`));
    const answer = await readFile(`${sock}.reply`, 'utf8');
    await rm(`${sock}.reply`);
    return answer;
  }

  it('answers nameserver, pin, root hash, tear down; records each; SIGTERM stops it', async () => {
    await mkdir(join(t, 'mnt/cvm4/bin'), { recursive: true });
    await writeFile(join(t, 'mnt/cvm4/bin/sh'), '');
    const conf = await writeConfig({ CVMFS_ROOT_HASH: '0123abcd' });
    const r = await standin(mountArgs(conf), { CVMFS_STANDIN_NC: join(t, 'shims/nc') });
    expect(r.code).toBe(0);
    const sock = join(t, 'cache', REPO, `cvmfs_io.${REPO}`);
    // mount returned only once the socket existed
    expect(existsSync(sock)).toBe(true);
    const pid = await daemonPid();
    expect(await talk(sock, 'nameserver set 10.0.2.3')).toBe('OK\n');
    expect(await talk(sock, 'nameserver get')).toBe('10.0.2.3\n');
    expect(await talk(sock, 'pin /cvm4/bin/sh')).toBe('OK\n');
    expect(await talk(sock, 'pin /cvm4/bin/missing')).toBe('failed to pin\n');
    expect(await talk(sock, 'pin /cvm4/../cvm4/bin/sh')).toBe('failed to pin\n');
    expect(await talk(sock, 'root hash')).toBe('0123abcd\n');
    expect(await talk(sock, `pid`)).toBe(`${pid}\n`);
    expect(await talk(sock, 'version')).toBe('2.12.7-standin\n');
    expect(await talk(sock, 'tear down to read-only')).toBe('In read-only mode\n');
    expect(await talk(sock, '$(touch MARKER)')).toBe('unknown command\n');
    const rec = await record();
    expect(rec).toEqual(
      expect.arrayContaining([
        `control=${join(t, 'shims/nc')}`,
        'event=nameserver set 10.0.2.3 -> OK',
        'event=pin /cvm4/bin/sh -> OK',
        'event=pin /cvm4/bin/missing -> failed to pin',
        'event=root hash -> 0123abcd',
        'event=tear down to read-only -> In read-only mode',
        'event=$(touch MARKER) -> unknown command',
      ]),
    );
    await stop(pid);
    expect((await record()).at(-1)).toBe('event=stopped');
    expect(existsSync(sock)).toBe(false);
    expect(existsSync(join(t, 'MARKER'))).toBe(false);
  });

  it('a listener that fails leaves the daemon idle, not spinning, and still stoppable', async () => {
    await shim('nc', 'exit 1');
    const r = await standin(mountArgs(await writeConfig({})), {
      CVMFS_STANDIN_NC: join(t, 'shims/nc'),
    });
    expect(r.code).toBe(0);
    const pid = await daemonPid();
    await until('the daemon to give up the listener', async () =>
      (await record()).includes('control=stopped (listener failed)'),
    );
    expect(alive(pid)).toBe(true);
    await stop(pid);
    expect((await record()).at(-1)).toBe('event=stopped');
  });
});
