import { basename, resolve as resolvePath } from 'node:path';
import type { HttpOptions } from './cache/http.js';
import type { FileLockOptions } from './cache/lock.js';
import { CacheStore } from './cache/store.js';
import type { ArchiveFormat, Component, ComponentRole, UcvmConfig } from './config/types.js';
import { ComponentsError } from './errors.js';
import { emptyLockfile, type LockEntry, type Lockfile, serializeLockfile } from './lockfile.js';
import { type AptOptions, type AptPackageInfo, aptShowMany, fetchApt } from './sources/apt.js';
import { digestPath } from './sources/path.js';
import { fetchUrl } from './sources/url.js';
import { componentStrongVersion } from './version.js';

/** A component whose file (or directory) is present and verified. */
export interface ResolvedComponent {
  name: string;
  version: string;
  release: number;
  strongVersion: string;
  role: ComponentRole;
  initrd: string[];
  /** Source identity (`apt:PKG=VER`, `url:URL`, `path:PATH`). */
  source: string;
  /** `override` when `--component NAME=PATH` replaced the configured source. */
  origin: 'config' | 'override';
  sha256: string;
  size: number;
  kind: 'file' | 'directory';
  /** Absolute path: the verified cache object, or the local file/directory of a path source. */
  path: string;
  fileName: string;
  /** How to unpack `path` (`directory` for directory sources). */
  format: ArchiveFormat | 'directory';
  /** True when this run transferred it (HTTP or apt); false for cache hits and local paths. */
  downloaded: boolean;
}

export type FetchEvent =
  | { type: 'start'; component: string; source: string }
  | { type: 'progress'; component: string; received: number; total: number | undefined }
  | { type: 'retry'; component: string; attempt: number; message: string }
  | {
      type: 'done';
      component: string;
      sha256: string;
      size: number;
      downloaded: boolean;
      origin: 'config' | 'override';
    }
  | { type: 'skipped'; component: string; reason: string }
  | { type: 'failed'; component: string; error: ComponentsError };

export interface FetchOptions {
  cacheDir: string;
  /** Directory that relative `path` sources of the config are resolved against. */
  baseDir: string;
  /** The current lock (missing = empty). */
  lock?: Lockfile;
  /** Re-resolve every component and replace the lock's entries (`ucvm fetch --update-lock`). */
  updateLock?: boolean;
  /** NAME → local file or directory (absolute or relative to baseDir), from `--component`. */
  overrides?: Record<string, string>;
  /** Components not to fetch (reported as skipped). */
  skip?: string[];
  http?: Omit<HttpOptions, 'onProgress' | 'onRetry'>;
  apt?: AptOptions;
  cacheLock?: FileLockOptions;
  onEvent?: (event: FetchEvent) => void;
}

export interface FetchResult {
  components: ResolvedComponent[];
  failures: { component: string; error: ComponentsError }[];
  skipped: string[];
  /** The lock to write; `lockChanged` says whether it differs from the one given. */
  lock: Lockfile;
  lockChanged: boolean;
}

export function sourceIdentity(c: Component): string {
  switch (c.source.kind) {
    case 'apt':
      return `apt:${c.source.package ?? c.name}=${c.version}`;
    case 'url':
      return `url:${c.source.url}`;
    case 'path':
      return `path:${c.source.path}`;
  }
}

/** Archive format from a file name (`file` = use as is). */
export function formatFromName(name: string): ArchiveFormat {
  const n = name.toLowerCase();
  if (n.endsWith('.deb')) return 'deb';
  if (n.endsWith('.rpm')) return 'rpm';
  if (n.endsWith('.tar.gz') || n.endsWith('.tgz')) return 'tar.gz';
  if (n.endsWith('.tar.xz') || n.endsWith('.txz')) return 'tar.xz';
  if (n.endsWith('.tar.zst') || n.endsWith('.tzst')) return 'tar.zst';
  if (n.endsWith('.tar')) return 'tar';
  return 'file';
}

/** Parses `--component NAME=PATH` values; unknown names are a usage error listing the known ones. */
export function parseOverrides(values: string[], config: UcvmConfig): Record<string, string> {
  const known = new Set(config.components.map((c) => c.name));
  const out: Record<string, string> = {};
  for (const v of values) {
    const eq = v.indexOf('=');
    const name = eq > 0 ? v.slice(0, eq) : '';
    const path = eq > 0 ? v.slice(eq + 1) : '';
    if (!name || !path) {
      throw new ComponentsError(
        'OVERRIDE_INVALID',
        `--component ${JSON.stringify(v)} is not NAME=PATH`,
        'write e.g. --component cvmfs=./cvmfs_2.12.7_amd64.deb',
        2,
      );
    }
    if (!known.has(name)) {
      throw new ComponentsError(
        'OVERRIDE_INVALID',
        `--component ${name}: there is no component ${JSON.stringify(name)}`,
        `known components: ${[...known].join(', ')}`,
        2,
      );
    }
    out[name] = path;
  }
  return out;
}

/**
 * Resolves, downloads and verifies every component into the cache (build.md §4). A failing
 * component does not stop the others: all failures are returned together.
 */
export async function fetchComponents(
  config: UcvmConfig,
  opts: FetchOptions,
): Promise<FetchResult> {
  const store = new CacheStore(opts.cacheDir, opts.cacheLock);
  const oldLock = opts.lock ?? emptyLockfile();
  const newLock: Lockfile = opts.updateLock
    ? emptyLockfile()
    : { lockfileVersion: oldLock.lockfileVersion, components: { ...oldLock.components } };
  const skip = new Set(opts.skip ?? []);
  for (const s of skip) {
    if (!config.components.some((c) => c.name === s)) {
      throw new ComponentsError(
        'OVERRIDE_INVALID',
        `--skip ${s}: there is no component ${JSON.stringify(s)}`,
        `known components: ${config.components.map((c) => c.name).join(', ')}`,
        2,
      );
    }
  }
  const result: FetchResult = {
    components: [],
    failures: [],
    skipped: [],
    lock: newLock,
    lockChanged: false,
  };
  const emit = opts.onEvent ?? (() => {});
  const aptInfo = await queryAptOnce(config, opts, store, oldLock, skip);

  for (const c of config.components) {
    if (skip.has(c.name)) {
      result.skipped.push(c.name);
      if (opts.updateLock && oldLock.components[c.name])
        newLock.components[c.name] = oldLock.components[c.name]!;
      emit({ type: 'skipped', component: c.name, reason: '--skip' });
      continue;
    }
    const override = opts.overrides?.[c.name];
    try {
      const resolved = override
        ? await resolveOverride(c, resolvePath(opts.baseDir, override), config.arch, emit)
        : await resolveConfigured(
            c,
            config.arch,
            store,
            opts,
            oldLock.components[c.name],
            emit,
            aptInfo,
          );
      result.components.push(resolved);
      if (resolved.origin === 'config' && (opts.updateLock || !oldLock.components[c.name])) {
        newLock.components[c.name] = lockEntryOf(c, resolved);
      }
      emit({
        type: 'done',
        component: c.name,
        sha256: resolved.sha256,
        size: resolved.size,
        downloaded: resolved.downloaded,
        origin: resolved.origin,
      });
    } catch (err) {
      if (!(err instanceof ComponentsError)) throw err;
      // A component that failed keeps its old entry: its pin is still the last known good one.
      if (opts.updateLock && oldLock.components[c.name])
        newLock.components[c.name] = oldLock.components[c.name]!;
      result.failures.push({ component: c.name, error: err });
      emit({ type: 'failed', component: c.name, error: err });
    }
  }
  result.lockChanged = serializeLockfile(newLock) !== serializeLockfile(oldLock);
  return result;
}

/**
 * Asks apt once about every apt component whose file is not already in the cache under a
 * known digest. Undefined when apt cannot answer: each component then asks (and fails) itself.
 */
async function queryAptOnce(
  config: UcvmConfig,
  opts: FetchOptions,
  store: CacheStore,
  lock: Lockfile,
  skip: Set<string>,
): Promise<AptAnswers | undefined> {
  const pins: { package: string; version: string }[] = [];
  for (const c of config.components) {
    if (c.source.kind !== 'apt' || skip.has(c.name) || opts.overrides?.[c.name]) continue;
    const entry = lock.components[c.name];
    const known = !opts.updateLock && entry?.source === sourceIdentity(c) ? entry.sha256 : c.sha256;
    if (known && (await store.has(known))) continue;
    pins.push({ package: c.source.package ?? c.name, version: c.version });
  }
  if (pins.length === 0) return undefined;
  try {
    const infos = await aptShowMany('apt', pins, opts.apt);
    return { infos, queried: new Set(pins.map((p) => `${p.package}=${p.version}`)) };
  } catch {
    return undefined;
  }
}

interface AptAnswers {
  infos: Map<string, AptPackageInfo>;
  queried: Set<string>;
}

function lockEntryOf(c: Component, r: ResolvedComponent): LockEntry {
  return {
    source: r.source,
    version: c.version,
    sha256: r.sha256,
    size: r.size,
    kind: r.kind,
    fileName: r.fileName,
  };
}

function base(c: Component, arch: string, source: string, origin: 'config' | 'override') {
  return {
    name: c.name,
    version: c.version,
    release: c.release,
    strongVersion: componentStrongVersion(c.version, c.release, arch),
    role: c.role,
    initrd: c.initrd,
    source,
    origin,
  };
}

async function resolveOverride(
  c: Component,
  abs: string,
  arch: string,
  emit: (e: FetchEvent) => void,
): Promise<ResolvedComponent> {
  const source = `path:${abs}`;
  emit({ type: 'start', component: c.name, source });
  const d = await digestPath(c.name, abs);
  return {
    ...base(c, arch, source, 'override'),
    sha256: d.sha256,
    size: d.size,
    kind: d.kind,
    path: abs,
    fileName: basename(abs),
    format: d.kind === 'directory' ? 'directory' : formatFromName(abs),
    downloaded: false,
  };
}

async function resolveConfigured(
  c: Component,
  arch: string,
  store: CacheStore,
  opts: FetchOptions,
  entry: LockEntry | undefined,
  emit: (e: FetchEvent) => void,
  aptInfo: AptAnswers | undefined,
): Promise<ResolvedComponent> {
  const source = sourceIdentity(c);
  emit({ type: 'start', component: c.name, source });
  if (entry && !opts.updateLock && entry.source !== source) {
    throw new ComponentsError(
      'LOCK_STALE',
      `component ${c.name}: ucvm.lock records ${entry.source} but the config says ${source}`,
      'run `ucvm fetch --update-lock` to resolve the new source and record its digest',
    );
  }
  const locked = entry && !opts.updateLock ? entry : undefined;
  const b = base(c, arch, source, 'config');
  let r: ResolvedComponent;
  switch (c.source.kind) {
    case 'url': {
      const sha256 = c.sha256!; // the schema requires it for url sources
      if (locked && locked.sha256 !== sha256)
        throw lockMismatch(c, locked.sha256, sha256, 'the config pins');
      const name = basename(new URL(c.source.url).pathname) || c.name;
      const got = await fetchUrl({
        component: c.name,
        url: c.source.url,
        sha256,
        store,
        http: {
          ...opts.http,
          onProgress: (received, total) =>
            emit({ type: 'progress', component: c.name, received, total }),
          onRetry: (attempt, error) =>
            emit({ type: 'retry', component: c.name, attempt, message: error.message }),
        },
      });
      r = {
        ...b,
        sha256,
        size: got.object.size,
        kind: 'file',
        path: got.object.path,
        fileName: name,
        format: c.source.format ?? formatFromName(name),
        downloaded: got.downloaded,
      };
      break;
    }
    case 'apt': {
      const pkg = c.source.package ?? c.name;
      const got = await fetchApt({
        component: c.name,
        package: pkg,
        version: c.version,
        store,
        ...(locked ? { lockedSha256: locked.sha256 } : c.sha256 ? { lockedSha256: c.sha256 } : {}),
        ...(opts.apt ? { apt: opts.apt } : {}),
        // Only pins that were asked about: null then means "apt has no such version".
        ...(aptInfo?.queried.has(`${pkg}=${c.version}`)
          ? { info: aptInfo.infos.get(`${pkg}=${c.version}`) ?? null }
          : {}),
      });
      const fileName = got.downloaded || !locked ? got.info.fileName : locked.fileName;
      r = {
        ...b,
        sha256: got.object.sha256,
        size: got.object.size,
        kind: 'file',
        path: got.object.path,
        fileName,
        format: 'deb',
        downloaded: got.downloaded,
      };
      break;
    }
    case 'path': {
      const abs = resolvePath(opts.baseDir, c.source.path);
      const d = await digestPath(c.name, abs);
      r = {
        ...b,
        sha256: d.sha256,
        size: d.size,
        kind: d.kind,
        path: abs,
        fileName: basename(abs),
        format: d.kind === 'directory' ? 'directory' : (c.source.format ?? formatFromName(abs)),
        downloaded: false,
      };
      break;
    }
  }
  if (c.sha256 && r.sha256 !== c.sha256) {
    throw new ComponentsError(
      'DIGEST_MISMATCH',
      `component ${c.name}: ${source} has sha256 ${r.sha256}, the config pins ${c.sha256}`,
      'if the new content is intended, put its sha256 into the config and run `ucvm fetch --update-lock`',
    );
  }
  if (locked && r.sha256 !== locked.sha256)
    throw lockMismatch(c, locked.sha256, r.sha256, `${source} gave`);
  return r;
}

function lockMismatch(
  c: Component,
  expected: string,
  actual: string,
  actualFrom: string,
): ComponentsError {
  return new ComponentsError(
    'LOCK_MISMATCH',
    `component ${c.name}: ucvm.lock expects sha256 ${expected}, ${actualFrom} ${actual}`,
    'if the change is intended, run `ucvm fetch --update-lock` and commit ucvm.lock; otherwise find out why the content changed',
  );
}
