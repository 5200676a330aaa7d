// The metadata responder on the host, as QEMU's guestfwd `cmd:` runs it: one process per
// connection, the request on stdin, the answer on stdout (no VM needed).
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  EC2_TOKEN,
  ec2Routes,
  MetadataService,
  openstackRoutes,
} from './fixtures/context-services.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ucvm-ctx-services-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs the service's cmd once with `request` on stdin; resolves with stdout. */
function connect(svc: MetadataService, request: string): Promise<string> {
  const target = svc.forward.target;
  if (!('cmd' in target)) throw new Error('expected a cmd: forward');
  const [cmd, ...args] = target.cmd.split(' ');
  return new Promise((resolve, reject) => {
    const child = spawn(cmd ?? '', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error('responder did not finish in 10 s'));
    }, 10_000);
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(out).toString('utf8'));
    });
    // The guest keeps its side open until the answer is complete (05-metadata's FIFO).
    // A probe (`nc -e true`) connects and closes without sending anything.
    if (request === '') child.stdin.end();
    else child.stdin.write(request);
  });
}

const req = (method: string, path: string, headers: string[] = []) =>
  `${method} ${path} HTTP/1.0\r\nHost: 169.254.169.254\r\n${headers.map((h) => `${h}\r\n`).join('')}\r\n`;

describe('metadata responder (guestfwd cmd:)', () => {
  it('EC2 IMDSv2: token by PUT, GETs only with the token', async () => {
    const svc = MetadataService.create(
      dir,
      'ec2',
      ec2Routes('[ucernvm-begin]\na=1\n[ucernvm-end]\n'),
    );
    expect(svc.forward.guestAddress).toBe('169.254.169.254');
    const put = await connect(
      svc,
      req('PUT', '/latest/api/token', [
        'X-aws-ec2-metadata-token-ttl-seconds: 300',
        'Content-Length: 0',
      ]),
    );
    expect(put).toMatch(/^HTTP\/1\.0 200 /);
    expect(put.endsWith(`\r\n\r\n${EC2_TOKEN}`)).toBe(true);
    expect(await connect(svc, req('GET', '/latest/user-data'))).toMatch(/^HTTP\/1\.0 401 /);
    const ud = await connect(
      svc,
      req('GET', '/latest/user-data', [`X-aws-ec2-metadata-token: ${EC2_TOKEN}`]),
    );
    expect(ud).toMatch(/^HTTP\/1\.0 200 X\r\nContent-Length: 34\r\nConnection: close\r\n\r\n/);
    expect(ud.endsWith('[ucernvm-begin]\na=1\n[ucernvm-end]\n')).toBe(true);
    expect(svc.requests().map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([
      'PUT /latest/api/token 200',
      'GET /latest/user-data 401',
      'GET /latest/user-data 200',
    ]);
  });

  it('OpenStack routes, unknown paths 404, a connect-only probe is logged', async () => {
    const svc = MetadataService.create(dir, 'os', openstackRoutes('x'));
    expect(await connect(svc, req('GET', '/openstack/latest/meta_data.json'))).toMatch(
      /^HTTP\/1\.0 200 [\s\S]*Content-Type: application\/json\r\n/,
    );
    expect(await connect(svc, req('GET', '/latest/meta-data/instance-id'))).toMatch(
      /^HTTP\/1\.0 404 /,
    );
    expect(await connect(svc, '')).toBe('');
    expect(svc.requests().map((r) => r.method)).toEqual(['GET', 'GET', 'connect-only']);
  });
});
