import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** A real HTTP server on 127.0.0.1 with the failure modes the downloader must survive. */
export interface FixtureServer {
  url: (path: string) => string;
  /** Requests seen per path. */
  hits: Map<string, number>;
  /** Sets the body served at a path (status 200, correct Content-Length). */
  serve: (path: string, body: Uint8Array, opts?: { delayMs?: number }) => void;
  close: () => Promise<void>;
}

export function sha256(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Deterministic bytes of a given size (no Math.random in fixtures either). */
export function fixtureBytes(size: number, seed = 1): Uint8Array {
  const out = new Uint8Array(size);
  let x = seed;
  for (let i = 0; i < size; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

export async function startFixtureServer(): Promise<FixtureServer> {
  const bodies = new Map<string, { body: Uint8Array; delayMs: number }>();
  const hits = new Map<string, number>();
  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const fixed = bodies.get(path);
    if (fixed) {
      setTimeout(() => {
        res.writeHead(200, { 'content-length': String(fixed.body.length) });
        res.end(fixed.body);
      }, fixed.delayMs);
      return;
    }
    if (path === '/hang') return; // accept, never answer
    if (path === '/truncated') {
      // Promises 1000 bytes, sends 100, closes the connection.
      res.writeHead(200, { 'content-length': '1000' });
      res.write(Buffer.alloc(100, 7), () => req.socket.destroy());
      return;
    }
    if (path === '/redirect') {
      res.writeHead(302, { location: '/good' });
      res.end();
      return;
    }
    if (path === '/error500') {
      res.writeHead(500);
      res.end('boom');
      return;
    }
    res.writeHead(404);
    res.end('not found');
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: (p) => `http://127.0.0.1:${port}${p}`,
    hits,
    serve: (p, body, opts) => bodies.set(p, { body, delayMs: opts?.delayMs ?? 0 }),
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
