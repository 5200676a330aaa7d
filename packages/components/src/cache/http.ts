import { createWriteStream } from 'node:fs';
import { copyFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { ComponentsError } from '../errors.js';

export interface HttpOptions {
  /** Limit for establishing the TCP (and TLS) connection. Default 15 s. */
  connectTimeoutMs?: number;
  /** Limit for silence: no response headers or no body bytes for this long. Default 30 s. */
  idleTimeoutMs?: number;
  /** Extra attempts after a retryable failure (timeout, network, truncation, 5xx). Default 3. */
  retries?: number;
  /** First back-off delay, doubled per attempt. Default 500 ms. */
  backoffMs?: number;
  maxRedirects?: number;
  /** Called as bytes arrive (at most every 256 KiB and at the end). */
  onProgress?: (received: number, total: number | undefined) => void;
  /** Called before each new attempt, e.g. to render "retrying". */
  onRetry?: (attempt: number, error: ComponentsError) => void;
}

const RETRYABLE = new Set(['HTTP_TIMEOUT', 'HTTP_NETWORK', 'HTTP_TRUNCATED']);

/**
 * Downloads `url` (http, https or file) to `dest`. Retries retryable failures with
 * exponential back-off; every wait has a deadline. The caller verifies the digest
 * (CacheStore.commit), so nothing is trusted from here.
 */
export async function download(url: string, dest: string, opts: HttpOptions = {}): Promise<void> {
  const u = new URL(url);
  if (u.protocol === 'file:') {
    try {
      await copyFile(fileURLToPath(u), dest);
    } catch (err) {
      throw new ComponentsError(
        'FILE_NOT_FOUND',
        `${url}: ${(err as Error).message}`,
        'check the file:// URL',
      );
    }
    return;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new ComponentsError(
      'URL_UNSUPPORTED',
      `URL ${url} has scheme ${u.protocol}`,
      'use http://, https:// or file://',
      2,
    );
  }
  const retries = opts.retries ?? 3;
  for (let attempt = 0; ; attempt++) {
    try {
      return await attemptDownload(u, dest, opts, opts.maxRedirects ?? 5);
    } catch (err) {
      const e = err as ComponentsError;
      const retryable =
        RETRYABLE.has(e.code) ||
        (e.code === 'HTTP_STATUS' && (e as ComponentsError & { status?: number }).status! >= 500);
      if (!retryable || attempt >= retries) throw e;
      opts.onRetry?.(attempt + 1, e);
      await new Promise((r) => setTimeout(r, (opts.backoffMs ?? 500) * 2 ** attempt));
    }
  }
}

function attemptDownload(
  url: URL,
  dest: string,
  opts: HttpOptions,
  redirectsLeft: number,
): Promise<void> {
  const connectMs = opts.connectTimeoutMs ?? 15_000;
  const idleMs = opts.idleTimeoutMs ?? 30_000;
  const lib = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (err: ComponentsError) => {
      if (settled) return;
      settled = true;
      clearTimeout(connectTimer);
      req.destroy();
      reject(err);
    };
    // agent: false: one fresh connection per attempt, nothing left open afterwards.
    const req = lib.get(url, { agent: false, headers: { 'user-agent': 'ucvm', accept: '*/*' } });
    const connectTimer = setTimeout(
      () =>
        fail(
          new ComponentsError(
            'HTTP_TIMEOUT',
            `${url.href}: no connection within ${connectMs} ms`,
            'check the network or the host name; raise the timeout for slow links',
          ),
        ),
      connectMs,
    );
    req.on('socket', (socket) => {
      socket.once(url.protocol === 'https:' ? 'secureConnect' : 'connect', () =>
        clearTimeout(connectTimer),
      );
    });
    req.setTimeout(idleMs, () =>
      fail(
        new ComponentsError(
          'HTTP_TIMEOUT',
          `${url.href}: no data for ${idleMs} ms`,
          'the server stalled; try again later or use another mirror',
        ),
      ),
    );
    req.on('error', (err) =>
      fail(
        new ComponentsError(
          'HTTP_NETWORK',
          `${url.href}: ${err.message}`,
          'check the network and the URL',
        ),
      ),
    );
    req.on('response', (res) => {
      clearTimeout(connectTimer);
      const status = res.statusCode ?? 0;
      if (status >= 300 && status < 400 && res.headers.location) {
        res.resume();
        if (redirectsLeft <= 0) {
          fail(
            new ComponentsError('HTTP_STATUS', `${url.href}: too many redirects`, 'check the URL'),
          );
          return;
        }
        settled = true;
        req.destroy();
        attemptDownload(new URL(res.headers.location, url), dest, opts, redirectsLeft - 1).then(
          resolve,
          reject,
        );
        return;
      }
      if (status !== 200) {
        res.resume();
        const err = new ComponentsError(
          'HTTP_STATUS',
          `${url.href}: HTTP ${status} ${res.statusMessage ?? ''}`.trimEnd(),
          status === 404
            ? 'the file is gone from the server: check the URL and the version'
            : 'the server refused the download; try again later',
        );
        Object.assign(err, { status });
        fail(err);
        return;
      }
      const lengthHeader = res.headers['content-length'];
      const total = lengthHeader !== undefined ? Number(lengthHeader) : undefined;
      let received = 0;
      let reported = 0;
      const counter = new Transform({
        transform(chunk: Buffer, _enc, cb) {
          received += chunk.length;
          if (received - reported >= 256 * 1024) {
            reported = received;
            opts.onProgress?.(received, total);
          }
          cb(null, chunk);
        },
      });
      pipeline(res, counter, createWriteStream(dest)).then(
        () => {
          if (total !== undefined && received !== total) {
            fail(truncated(url, received, total));
            return;
          }
          opts.onProgress?.(received, total);
          if (settled) return;
          settled = true;
          resolve();
        },
        () =>
          fail(
            total !== undefined && received < total
              ? truncated(url, received, total)
              : new ComponentsError(
                  'HTTP_NETWORK',
                  `${url.href}: connection lost after ${received} bytes`,
                  'try again; check the network',
                ),
          ),
      );
    });
  });
}

function truncated(url: URL, received: number, total: number): ComponentsError {
  return new ComponentsError(
    'HTTP_TRUNCATED',
    `${url.href}: got ${received} of ${total} bytes`,
    'the connection closed early; try again',
  );
}
