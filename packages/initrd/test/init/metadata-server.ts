// A scripted metadata service for the 05-metadata tests: a separate Node
// process (the init runs under spawnSync, which blocks this event loop)
// listening on 127.0.0.1 only. Routes answer by `METHOD PATH`; each answer
// may require request headers, delay, or fail the first N times. Every
// request is logged as one JSON line.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BUSYBOX } from './harness.js';

export interface Route {
  status?: number;
  headers?: Record<string, string>;
  body?: string;
  /** answer only after this many ms (slow server) */
  delayMs?: number;
  /** never answer: keep the connection open */
  hang?: boolean;
  /** request headers that must be present with these values, else 400 */
  require?: Record<string, string>;
  /** request headers that must be absent, else 400 */
  forbid?: string[];
  /** answer 500 to the first N requests */
  failFirst?: number;
}

export interface Served {
  method: string;
  url: string;
  headers: Record<string, string>;
  httpVersion: string;
}

const SERVER = `
import http from 'node:http';
import { appendFileSync, readFileSync } from 'node:fs';
const [routesFile, logFile] = process.argv.slice(2);
const routes = JSON.parse(readFileSync(routesFile, 'utf8'));
const count = {};
const server = http.createServer((req, res) => {
  appendFileSync(logFile, JSON.stringify({ method: req.method, url: req.url, headers: req.headers, httpVersion: req.httpVersion }) + '\\n');
  const key = req.method + ' ' + req.url;
  const r = routes[key];
  count[key] = (count[key] ?? 0) + 1;
  const send = (status, headers, body) => { res.writeHead(status, headers); res.end(body); };
  if (!r) return send(404, {}, 'not found');
  if (r.hang) return;
  for (const [h, v] of Object.entries(r.require ?? {})) if (req.headers[h.toLowerCase()] !== v) return send(400, {}, 'missing ' + h);
  for (const h of r.forbid ?? []) if (req.headers[h.toLowerCase()] !== undefined) return send(400, {}, 'forbidden ' + h);
  if (count[key] <= (r.failFirst ?? 0)) return send(500, {}, 'busy');
  const body = Buffer.from(r.body ?? '', 'base64');
  setTimeout(() => send(r.status ?? 200, r.headers ?? {}, body), r.delayMs ?? 0);
});
server.listen(0, '127.0.0.1', () => process.stdout.write(server.address().port + '\\n'));
setTimeout(() => process.exit(0), 120000).unref();
`;

export class MetaServer {
  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
    private readonly logFile: string,
  ) {}

  /** Start the server in DIR with ROUTES (bodies as strings or bytes). */
  static async start(
    dir: string,
    routes: Record<string, Omit<Route, 'body'> & { body?: string | Uint8Array }>,
  ): Promise<MetaServer> {
    const wire: Record<string, Route> = {};
    for (const [k, r] of Object.entries(routes)) {
      wire[k] = { ...r, body: Buffer.from(r.body ?? '').toString('base64') };
    }
    const script = join(dir, 'meta-server.mjs');
    const routesFile = join(dir, 'meta-routes.json');
    const logFile = join(dir, 'meta-requests.log');
    writeFileSync(script, SERVER);
    writeFileSync(routesFile, JSON.stringify(wire));
    writeFileSync(logFile, '');
    const child = spawn(process.execPath, [script, routesFile, logFile], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error('metadata server did not start in 10 s')),
        10_000,
      );
      child.stdout?.once('data', (d: Buffer) => {
        clearTimeout(timer);
        resolve(Number.parseInt(d.toString(), 10));
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`metadata server exited with ${code}`));
      });
    });
    return new MetaServer(child, port, logFile);
  }

  get addr(): string {
    return `127.0.0.1:${this.port}`;
  }

  requests(): Served[] {
    return readFileSync(this.logFile, 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as Served);
  }

  stop(): void {
    this.child.kill('SIGKILL');
  }
}

/**
 * The `nc` shim body: the real busybox nc, but only towards 127.0.0.1; any
 * other address is recorded as `forbidden` and fails.
 */
export const NC_SHIM = `skip=''; host=''
for a; do
  if [ -n "$skip" ]; then skip=''; continue; fi
  case "$a" in -w|-e|-i|-p) skip=1;; -*) ;; *) host="$a"; break;; esac
done
if [ "$host" != 127.0.0.1 ]; then printf 'forbidden\\t%s\\n' "$host" >>"$FIX/calls"; exit 1; fi
exec ${BUSYBOX} nc "$@"`;
