// 13-context item 2 (runtime.md §3 13): a later boot whose persisted source
// is `(none)` runs 05's search and 06's parse step again (with the persisted
// extra user data) and persists the result; a context found before is
// restored without looking anywhere.
import {
  existsSync,
  mkdirSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Fixture, LIB_DIR, MiB } from './harness.js';
import { MetaServer, NC_SHIM } from './metadata-server.js';

let fx: Fixture;
let srv: MetaServer | undefined;
afterEach(() => {
  srv?.stop();
  srv = undefined;
  fx?.cleanup();
});

const EXTRA = '[ucernvm-begin]\nx=1\ncvmfs_tag=from-extra\n[ucernvm-end]\n';

/** A scratch whose context was persisted by an earlier boot with SOURCE. */
function laterBoot(cmdline: string, source: string, files: Record<string, string> = {}): Fixture {
  const f = new Fixture({ cmdline: `ucvm_devwait=0 ${cmdline}` });
  f.shim('nc', NC_SHIM);
  const ctx = join(f.rw, 'context');
  mkdirSync(ctx, { recursive: true, mode: 0o700 });
  writeFileSync(join(ctx, 'source'), `${source}\n`);
  for (const [n, c] of Object.entries(files)) writeFileSync(join(ctx, n), c);
  return f;
}

/** A NoCloud `cidata` disk carrying USERDATA; 02-devices builds the table. */
function cidata(f: Fixture, userData: string): void {
  f.disk('vdc', {
    sectors: 8 * MiB,
    blkid: { TYPE: 'vfat', LABEL: 'cidata' },
    media: { 'meta-data': 'instance-id: i-1\n', 'user-data': userData },
  });
  expect(f.stage('02-devices', { before: 'UCVM_FIRST_BOOT=0' }).status).toBe(0);
}

function context(f: Fixture) {
  const t0 = Date.now();
  // CloudStack's 10.1.1.1 becomes a closed local port (as in metadata.test.ts)
  const r = f.stage('13-context', {
    before: 'UCVM_FIRST_BOOT=0',
    env: { UCVM_META_CS_HOST: '127.0.0.1:1' },
  });
  return { ...r, ms: Date.now() - t0 };
}

describe('13-context: retry on a later boot', () => {
  it('persisted (none): the search runs again, finds NoCloud, parses with the persisted extra user data, persists', () => {
    fx = laterBoot('ucvm_net=off', '(none)', {
      'extra-user-data': EXTRA,
      'extra-ucontext': "# ucvm-context 1\n_UCONTEXT_CVMFS_TAG='from-extra'\n_UCONTEXT_X='1'\n",
    });
    cidata(
      fx,
      '[ucernvm-begin]\ncvmfs_branch=cernvm-prod.cern.ch\ncvmfs_tag=from-user\n[ucernvm-end]\n',
    );
    const r = context(fx);
    expect(r.stdout).toContain(
      '[ucvm] 13-context: info no context found on an earlier boot: looking again',
    );
    expect(r.stdout).toContain('[ucvm] 13-context: info source=NoCloud bytes=');
    expect(r.stdout).toContain('[ucvm] 13-context: ok source=NoCloud (persisted)');
    const ctx = join(fx.rw, 'context');
    expect(fx.read('root.rw/context/source')).toBe('NoCloud\n');
    expect(fx.read('root.rw/context/user-data')).toContain('cvmfs_tag=from-user');
    expect(fx.read('root.rw/context/ucontext')).toBe(
      "# ucvm-context 1\n_UCONTEXT_CVMFS_BRANCH='cernvm-prod.cern.ch'\n_UCONTEXT_CVMFS_TAG='from-user'\n",
    );
    expect(fx.read('root.rw/context/extra-ucontext')).toBe(
      "# ucvm-context 1\n_UCONTEXT_CVMFS_TAG='from-extra'\n_UCONTEXT_X='1'\n",
    );
    expect(fx.read('root.rw/context/extra-user-data')).toBe(EXTRA);
    for (const n of readdirSync(ctx)) expect(statSync(join(ctx, n)).mode & 0o777).toBe(0o600);
    expect(fx.read('run/ucvm/state/UCVM_CONTEXT_BOOT')).toBe('1\n');
    // ucvm_ctx now reads the new scratch context: extra wins over user ([UD §7])
    expect(fx.sh(`UCVM_CTX_DIR="${ctx}"; ucvm_ctx cvmfs_tag; ucvm_ctx cvmfs_branch`).stdout).toBe(
      'from-extra\ncernvm-prod.cern.ch\n',
    );
    // read-only probe mounts only
    for (const c of fx.calls('mount')) expect(c).toContain('ro,nodev,nosuid,noexec');
  });

  it('persisted (none) and a network source answering: EC2 (IMDSv2) is found and persisted', async () => {
    fx = laterBoot('', '(none)');
    srv = await MetaServer.start(fx.root, {
      'PUT /latest/api/token': { body: 'tok-1' },
      'GET /latest/meta-data/instance-id': {
        require: { 'X-aws-ec2-metadata-token': 'tok-1' },
        body: 'i-1',
      },
      'GET /latest/user-data': {
        require: { 'X-aws-ec2-metadata-token': 'tok-1' },
        body: '[ucernvm-begin]\ncvmfs_tag=t-ec2\n[ucernvm-end]\n',
      },
    });
    fx.cmdline(`ucvm_devwait=0 ucvm_metadata=ec2 ucvm_meta_addr=${srv.addr}`);
    const r = context(fx);
    expect(r.stdout).toContain('[ucvm] 13-context: ok source=EC2 (persisted)');
    expect(fx.read('root.rw/context/ucontext')).toBe(
      "# ucvm-context 1\n_UCONTEXT_CVMFS_TAG='t-ec2'\n",
    );
    expect(fx.read('root.rw/context/extra-ucontext')).toBe('# ucvm-context 1\n');
    expect(fx.calls('forbidden')).toEqual([]);
  });

  it('persisted (none) and still nothing: (none) persisted again within the 10 s bound', () => {
    fx = laterBoot('ucvm_meta_addr=127.0.0.1:1', '(none)');
    fx.realClock();
    const r = context(fx);
    expect(r.ms).toBeLessThan(12_000);
    expect(r.stdout).toContain('[ucvm] 13-context: info source=(none)');
    expect(r.stdout).toContain('[ucvm] 13-context: ok source=(none) (persisted)');
    expect(fx.read('root.rw/context/source')).toBe('(none)\n');
    // a missing source file counts as (none) as well
    rmSync(join(fx.rw, 'context/source'));
    expect(context(fx).stdout).toContain('ok source=(none) (persisted)');
  });

  it('a context found before is restored without fetching: no probe mount, no network', () => {
    fx = laterBoot('', 'NoCloud', {
      'user-data': 'old\n',
      ucontext: "# ucvm-context 1\n_UCONTEXT_CVMFS_TAG='old'\n",
    });
    cidata(fx, '[ucernvm-begin]\ncvmfs_tag=new\n[ucernvm-end]\n');
    const before = fx.calls('mount').length;
    const r = context(fx);
    expect(r.stdout).toContain('[ucvm] 13-context: ok source=NoCloud (restored)');
    expect(r.stdout).not.toContain('looking again');
    expect(fx.calls('mount').length).toBe(before);
    expect(fx.calls('nc')).toEqual([]);
    expect(fx.read('root.rw/context/ucontext')).toBe(
      "# ucvm-context 1\n_UCONTEXT_CVMFS_TAG='old'\n",
    );
    expect(fx.read('run/ucvm/state/UCVM_CONTEXT_BOOT')).toBe('0\n');
  });

  it('a build without 05-metadata cannot retry: (none) restored with an info line', () => {
    fx = laterBoot('ucvm_net=off', '(none)');
    // an initrd tree holding every file but the 05/06 stage files
    const lib = join(fx.prefix, 'lib/ucvm');
    rmSync(lib);
    mkdirSync(join(lib, 'stages'), { recursive: true });
    for (const n of readdirSync(LIB_DIR)) {
      if (n !== 'stages') symlinkSync(join(LIB_DIR, n), join(lib, n));
    }
    for (const n of readdirSync(join(LIB_DIR, 'stages'))) {
      if (!/^0[56]-/.test(n)) symlinkSync(join(LIB_DIR, 'stages', n), join(lib, 'stages', n));
    }
    cidata(fx, '[ucernvm-begin]\ncvmfs_tag=new\n[ucernvm-end]\n');
    const r = context(fx);
    expect(r.stdout).toContain('[ucvm] 13-context: info 05-metadata not in this build: no retry');
    expect(r.stdout).toContain('[ucvm] 13-context: ok source=(none) (restored)');
    expect(existsSync(join(fx.rw, 'context/ucontext'))).toBe(false);
  });

  it('a write error on scratch panics (item 1 failure rule)', () => {
    fx = new Fixture({ cmdline: 'ucvm_panic=poweroff ucvm_panic_delay=0' });
    writeFileSync(join(fx.run, 'context/source'), 'NoCloud\n');
    // scratch context/ cannot be created: a file is in its way
    writeFileSync(join(fx.rw, 'context'), '');
    const r = fx.stage('13-context', { before: 'UCVM_FIRST_BOOT=1' });
    expect(r.stdout).toContain(`UCVM-PANIC: 13-context: cannot write ${fx.rw}/context`);
    expect(fx.calls('poweroff')).toHaveLength(1);
  });
});
