import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import type { CacheStore, StoredObject } from '../cache/store.js';
import { ComponentsError } from '../errors.js';

export interface AptOptions {
  /** Command for `apt-get` (default `apt-get` on PATH). Only the command is replaceable. */
  aptGet?: string;
  /** Command for `apt-cache` (default `apt-cache` on PATH). */
  aptCache?: string;
  /** Limit for one apt-get download (default 10 minutes). */
  downloadTimeoutMs?: number;
  /** Limit for one apt-cache query (default 60 s). */
  queryTimeoutMs?: number;
  /** apt's own per-connection timeout in seconds (Acquire::http::Timeout; default 30). */
  acquireTimeoutSec?: number;
}

export interface AptPackageInfo {
  package: string;
  version: string;
  sha256?: string;
  size?: number;
  /** Pool file name, e.g. `busybox-static_1.35.0-4+deb12u1+b1_amd64.deb` (no epoch). */
  fileName: string;
}

export interface AptFetchResult {
  object: StoredObject;
  info: AptPackageInfo;
  downloaded: boolean;
}

const C_ENV = { LC_ALL: 'C', LANG: 'C', LANGUAGE: '' };

/**
 * An `apt` source (build.md §4): `apt-get download PKG=VER` in a temporary directory. apt
 * checks the .deb against the Packages index, whose Release file is signed; ucvm checks it
 * again against the SHA256 that `apt-cache show` reports, and records it in the lock file.
 */
export async function fetchApt(args: {
  component: string;
  package: string;
  version: string;
  store: CacheStore;
  /** Digest from ucvm.lock: when the cache holds it, apt is not run at all. */
  lockedSha256?: string;
  apt?: AptOptions;
  /** Result of a batched `aptShowMany` (null: apt has no such record); queried when absent. */
  info?: AptPackageInfo | null;
}): Promise<AptFetchResult> {
  const { store, component } = args;
  const fallbackName = `${args.package}_${args.version.replace(/^\d+:/, '')}_amd64.deb`;
  if (args.lockedSha256) {
    const hit = await store.get(args.lockedSha256);
    if (hit) {
      return {
        object: hit,
        info: {
          package: args.package,
          version: args.version,
          sha256: hit.sha256,
          size: hit.size,
          fileName: fallbackName,
        },
        downloaded: false,
      };
    }
  }
  if (args.info === null)
    throw await notInArchive(component, args.package, args.version, args.apt ?? {});
  const info = args.info ?? (await aptShow(component, args.package, args.version, args.apt));
  if (info.sha256) {
    const hit = await store.get(info.sha256);
    if (hit) return { object: hit, info, downloaded: false };
  }
  return store.lock(info.sha256 ?? `apt:${args.package}=${args.version}`, async () => {
    if (info.sha256) {
      const done = await store.get(info.sha256);
      if (done) return { object: done, info, downloaded: false };
    }
    const dir = await store.tempPath('.apt');
    await mkdir(dir);
    try {
      await aptDownload(component, args.package, args.version, dir, args.apt ?? {});
      const debs = (await readdir(dir)).filter((n) => n.endsWith('.deb'));
      if (debs.length !== 1) {
        throw new ComponentsError(
          'APT_FAILED',
          `component ${component}: apt-get download left ${debs.length} .deb files for ${args.package}=${args.version}`,
          'run the same apt-get download by hand to see what apt does',
        );
      }
      const object = await store.commit(join(dir, debs[0]!), info.sha256, {
        component,
        from: `apt package ${args.package}=${args.version}`,
      });
      return { object, info, downloaded: true };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
}

async function run(
  cmd: string,
  argv: string[],
  opts: { cwd?: string; timeoutMs: number },
  component: string,
) {
  try {
    return await execa(cmd, argv, {
      cwd: opts.cwd,
      timeout: opts.timeoutMs,
      reject: false,
      stdin: 'ignore',
      env: C_ENV,
      forceKillAfterDelay: 2000,
    });
  } catch (err) {
    throw new ComponentsError(
      'APT_NOT_AVAILABLE',
      `component ${component}: cannot run ${cmd}: ${(err as Error).message}`,
      `apt sources need a Debian-like host with ${cmd}; or provide the component with --component ${component}=PATH`,
    );
  }
}

/** `apt-cache show PKG=VER`: the exact version's pool file name, size and SHA256. */
export async function aptShow(
  component: string,
  pkg: string,
  version: string,
  apt: AptOptions = {},
): Promise<AptPackageInfo> {
  const info = (await aptShowMany(component, [{ package: pkg, version }], apt)).get(
    `${pkg}=${version}`,
  );
  if (!info) throw await notInArchive(component, pkg, version, apt);
  return info;
}

/**
 * One `apt-cache show` for many exact versions: each apt-cache run re-reads every package
 * list (seconds on hosts that keep no pkgcache.bin). Keys are `PKG=VERSION`; a version apt
 * does not have is absent from the map.
 */
export async function aptShowMany(
  what: string,
  pins: { package: string; version: string }[],
  apt: AptOptions = {},
): Promise<Map<string, AptPackageInfo>> {
  const out = new Map<string, AptPackageInfo>();
  if (pins.length === 0) return out;
  const cmd = apt.aptCache ?? 'apt-cache';
  const args = pins.map((p) => `${p.package}=${p.version}`);
  const limit = apt.queryTimeoutMs ?? 60_000;
  const res = await run(cmd, ['show', '--no-all-versions', ...args], { timeoutMs: limit }, what);
  if (res.failed && (res.timedOut || res.isTerminated)) {
    throw new ComponentsError(
      'APT_TIMEOUT',
      `component ${what}: ${cmd} show ${args.join(' ')} did not finish within ${limit} ms`,
      'check that apt is not locked by another process',
    );
  }
  if (res.exitCode === undefined || res.exitCode === null) {
    throw new ComponentsError(
      'APT_NOT_AVAILABLE',
      `component ${what}: cannot run ${cmd}: ${res.message ?? 'unknown error'}`,
      `apt sources need a Debian-like host with ${cmd}; or provide the component with --component ${what}=PATH`,
    );
  }
  const wanted = new Set(args);
  for (const record of parseRecords(String(res.stdout))) {
    const pkg = record['Package'];
    const version = record['Version'];
    const key = `${pkg}=${version}`;
    if (!pkg || !version || !wanted.has(key) || out.has(key)) continue;
    const size = record['Size'] ? Number(record['Size']) : undefined;
    const info: AptPackageInfo = {
      package: pkg,
      version,
      fileName:
        record['Filename']?.split('/').pop() ?? `${pkg}_${version.replace(/^\d+:/, '')}_amd64.deb`,
    };
    if (record['SHA256']) info.sha256 = record['SHA256'];
    if (size !== undefined && Number.isFinite(size)) info.size = size;
    out.set(key, info);
  }
  return out;
}

/** The version is gone (or the package never was there): say so and how to move the pin. */
async function notInArchive(
  component: string,
  pkg: string,
  version: string,
  apt: AptOptions,
): Promise<ComponentsError> {
  const cmd = apt.aptCache ?? 'apt-cache';
  const policy = await run(
    cmd,
    ['policy', pkg],
    { timeoutMs: apt.queryTimeoutMs ?? 60_000 },
    component,
  );
  const candidate = /^\s*Candidate:\s*(\S+)/m.exec(String(policy.stdout))?.[1];
  if (!candidate || candidate === '(none)') {
    return new ComponentsError(
      'APT_PACKAGE_NOT_FOUND',
      `component ${component}: apt package ${JSON.stringify(pkg)} is not in this host's apt sources`,
      `provide it with --component ${component}=PATH (a .deb, an archive or a directory), set a url or path source for it in ucvm.config.ts, or add the apt repository that carries it and run apt-get update`,
    );
  }
  return new ComponentsError(
    'APT_VERSION_GONE',
    `component ${component}: version ${version} of apt package ${pkg} is no longer in the archive (apt-cache policy ${pkg}: candidate ${candidate})`,
    `move the pin: set version "${candidate}" for component ${component} in ucvm.config.ts and run \`ucvm fetch --update-lock\` (a .deb of the old version already in the cache keeps working while ucvm.lock records it)`,
  );
}

async function aptDownload(
  component: string,
  pkg: string,
  version: string,
  dir: string,
  apt: AptOptions,
): Promise<void> {
  const cmd = apt.aptGet ?? 'apt-get';
  const limit = apt.downloadTimeoutMs ?? 600_000;
  const t = String(apt.acquireTimeoutSec ?? 30);
  const res = await run(
    cmd,
    [
      '-q',
      '-o',
      'Acquire::Retries=1',
      '-o',
      `Acquire::http::Timeout=${t}`,
      '-o',
      `Acquire::https::Timeout=${t}`,
      // Downloading as root into a private directory: apt's _apt sandbox cannot write there.
      '-o',
      'APT::Sandbox::User=root',
      'download',
      `${pkg}=${version}`,
    ],
    { cwd: dir, timeoutMs: limit },
    component,
  );
  if (res.exitCode === 0) return;
  const stderr = String(res.stderr);
  if (res.timedOut) {
    throw new ComponentsError(
      'APT_TIMEOUT',
      `component ${component}: apt-get download ${pkg}=${version} did not finish within ${limit} ms`,
      'the Debian archive is unreachable or slow: check the network and the apt sources',
    );
  }
  if (
    /Version '.*' for '.*' was not found/.test(stderr) ||
    /Unable to locate package/.test(stderr)
  ) {
    throw await notInArchive(component, pkg, version, apt);
  }
  const tail = stderr.trim().split('\n').slice(-3).join(' | ');
  throw new ComponentsError(
    'APT_FAILED',
    `component ${component}: apt-get download ${pkg}=${version} failed (exit ${res.exitCode ?? res.signal}): ${tail}`,
    'check the network and the apt sources (apt-get update), or provide the file with --component NAME=PATH',
  );
}

/** Debian control-file records (RFC 822 style), as apt-cache prints them. */
export function parseRecords(text: string): Record<string, string>[] {
  const out: Record<string, string>[] = [];
  for (const para of text.split(/\n\s*\n/)) {
    const rec: Record<string, string> = {};
    let last: string | undefined;
    for (const line of para.split('\n')) {
      if (/^\s/.test(line) && last) {
        rec[last] += `\n${line.trim()}`;
        continue;
      }
      const m = /^([A-Za-z0-9-]+):\s?(.*)$/.exec(line);
      if (m) {
        last = m[1]!;
        rec[last] = m[2]!;
      }
    }
    if (Object.keys(rec).length > 0) out.push(rec);
  }
  return out;
}
