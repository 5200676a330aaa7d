// runtime.md §3 05 item 5: with no answering source the metadata search ends
// within 10 s — also when nothing refuses either (a link-local service whose
// SYNs are dropped: every connect hangs), on a first boot (05) and on a later
// context boot (13-context's retry, §3 13 item 2).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Fixture, GiB } from './harness.js';
import { MetaServer, NC_SHIM } from './metadata-server.js';

let fx: Fixture;
let srv: MetaServer | undefined;
afterEach(() => {
  srv?.stop();
  srv = undefined;
  fx?.cleanup();
});

// 127.0.0.2 plays a black hole: its connects never complete (the shim sleeps
// until the stage's own time limits kill it); 127.0.0.1 stays the real nc.
const HOLE = '127.0.0.2';
const HOLE_NC = `for a; do [ "$a" = ${HOLE} ] && exec sleep 60; done\n${NC_SHIM}`;

function machine(cmdline: string): Fixture {
  const f = new Fixture({ cmdline: `ucvm_devwait=0 ucvm_meta_addr=${HOLE}:80 ${cmdline}` });
  f.shim('nc', HOLE_NC);
  f.realClock();
  // four candidate file systems, none of them a metadata source
  for (const d of ['vdb', 'vdc', 'vdd', 'vde']) {
    f.disk(d, { sectors: 1 * GiB, blkid: { TYPE: 'iso9660' }, media: { 'README.txt': 'x' } });
  }
  expect(f.stage('02-devices', { before: 'UCVM_FIRST_BOOT=1' }).status).toBe(0);
  // a DHCP lease whose server is the black hole too (CloudStack's second host)
  writeFileSync(f.path('run/ucvm/net/eth0.lease'), `ip=127.0.0.5\nserverid=${HOLE}\n`);
  return f;
}

function timed(f: Fixture, stage: string, before: string) {
  const t0 = Date.now();
  const r = f.stage(stage, {
    before: `${before} UCVM_NET_UP=1 UCVM_NET_IF=eth0`,
    env: { UCVM_META_CS_HOST: `${HOLE}:80` },
  });
  return { ...r, ms: Date.now() - t0 };
}

describe('metadata search bounds: every connect hangs', () => {
  it('05-metadata: source=(none) within 10 s; the probe gave up on every address', () => {
    fx = machine('');
    const r = timed(fx, '05-metadata', 'UCVM_FIRST_BOOT=1');
    expect(r.stdout).toContain('[ucvm] 05-metadata: ok source=(none)');
    expect(r.ms).toBeLessThan(10_000);
    // one parallel probe of 2 s (+1 s grace), not one per address in turn
    expect(r.ms).toBeGreaterThanOrEqual(2_000);
    const log = fx.read('run/ucvm/log/context.log');
    expect(log).toContain(`probe ${HOLE}:80: no answer`);
    expect(log).not.toContain('http://');
    expect(fx.calls('forbidden')).toEqual([]);
  }, 30_000);

  it('13-context on a later boot after (none): the retry is bounded the same way', () => {
    fx = machine('');
    mkdirSync(join(fx.rw, 'context'), { recursive: true });
    writeFileSync(join(fx.rw, 'context/source'), '(none)\n');
    const r = timed(fx, '13-context', 'UCVM_FIRST_BOOT=0');
    expect(r.stdout).toContain('[ucvm] 13-context: ok source=(none) (persisted)');
    expect(r.ms).toBeLessThan(10_000);
    expect(fx.read('run/ucvm/log/context.log')).toContain(`probe ${HOLE}:80: no answer`);
  }, 30_000);
});

describe('IMDSv2 token request never answered', () => {
  it('the PUT ends at the 10 s request limit, then the IMDSv1 GETs find EC2', async () => {
    fx = new Fixture({ cmdline: 'quiet' });
    fx.shim('nc', NC_SHIM);
    fx.realClock();
    srv = await MetaServer.start(fx.root, {
      // e.g. a container behind a hop limit of 1: the PUT's answer never arrives
      'PUT /latest/api/token': { hang: true },
      'GET /latest/meta-data/instance-id': { forbid: ['x-aws-ec2-metadata-token'], body: 'i-1' },
      'GET /latest/user-data': { forbid: ['x-aws-ec2-metadata-token'], body: 'v1 data' },
    });
    fx.cmdline(`ucvm_devwait=0 ucvm_metadata=ec2 ucvm_meta_addr=${srv.addr}`);
    const t0 = Date.now();
    const r = fx.stage('05-metadata', {
      before: 'UCVM_FIRST_BOOT=1',
      env: { UCVM_META_CS_HOST: '127.0.0.1:1' },
    });
    const ms = Date.now() - t0;
    expect(r.stdout).toContain('[ucvm] 05-metadata: ok source=EC2 bytes=7');
    expect(ms).toBeGreaterThanOrEqual(9_000);
    expect(ms).toBeLessThan(20_000);
    expect(srv.requests().map((q) => `${q.method} ${q.url}`)).toEqual([
      'PUT /latest/api/token',
      'GET /latest/meta-data/instance-id',
      'GET /latest/user-data',
    ]);
    expect(fx.read('run/ucvm/log/context.log')).toContain('no IMDSv2 token, IMDSv1');
  }, 40_000);
});
