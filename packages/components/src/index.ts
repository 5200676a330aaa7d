export { download, type HttpOptions } from './cache/http.js';
export { type FileLockOptions, withFileLock } from './cache/lock.js';
export { CacheStore, defaultCacheDir, type StoredObject, sha256File } from './cache/store.js';
export {
  branchParameters,
  defaultBranches,
  defaultComponents,
  defaultConfig,
} from './config/default.js';
export {
  CONFIG_FILE_NAMES,
  canonicalJson,
  configDigest,
  type LoadedConfig,
  loadConfig,
} from './config/load.js';
export { type ConfigIssue, configSchema, validateConfig } from './config/schema.js';
export type {
  AptSource,
  Arch,
  ArchiveFormat,
  Branch,
  BranchInput,
  Component,
  ComponentInput,
  ComponentRole,
  ComponentSource,
  ImageFormat,
  InitrdCompression,
  KernelCmdline,
  PathSource,
  Signing,
  SigningInput,
  UcvmConfig,
  UcvmConfigInput,
  UrlSource,
} from './config/types.js';
export { defineConfig, IMAGE_FORMATS } from './config/types.js';
export { ComponentsError, type ComponentsErrorCode, isComponentsError } from './errors.js';
export {
  type FetchEvent,
  type FetchOptions,
  type FetchResult,
  fetchComponents,
  formatFromName,
  parseOverrides,
  type ResolvedComponent,
  sourceIdentity,
} from './fetch.js';
export { type ComponentRow, listComponents } from './list.js';
export {
  emptyLockfile,
  LOCKFILE_NAME,
  LOCKFILE_VERSION,
  type LockEntry,
  type Lockfile,
  parseLockfile,
  readLockfile,
  serializeLockfile,
  writeLockfile,
} from './lockfile.js';
export { type AptOptions, type AptPackageInfo, aptShow, fetchApt } from './sources/apt.js';
export { digestPath, type PathDigest } from './sources/path.js';
export { fetchUrl } from './sources/url.js';
export { componentTree } from './tree.js';
export * from './unpack/index.js';
export {
  componentStrongVersion,
  parseStrongVersion,
  strongVersion,
  upstreamForStrong,
} from './version.js';
