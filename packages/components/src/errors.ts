/**
 * The one error class of @ucvm/components (conventions: stable `code`, a message naming the
 * thing and the value, `hint` with the remedy). `exitCode` 2 = the configuration or the
 * command line is wrong; 1 = fetching or verifying failed.
 */
export class ComponentsError extends Error {
  override readonly name = 'ComponentsError';
  constructor(
    readonly code: ComponentsErrorCode,
    message: string,
    readonly hint?: string,
    readonly exitCode: 1 | 2 = 1,
  ) {
    super(message);
  }
}

export type ComponentsErrorCode =
  | 'CONFIG_INVALID'
  | 'CONFIG_LOAD'
  | 'CONFIG_NOT_FOUND'
  | 'OVERRIDE_INVALID'
  | 'VERSION_INVALID'
  | 'DIGEST_MISMATCH'
  | 'DIGEST_MISSING'
  | 'HTTP_STATUS'
  | 'HTTP_TIMEOUT'
  | 'HTTP_TRUNCATED'
  | 'HTTP_NETWORK'
  | 'URL_UNSUPPORTED'
  | 'FILE_NOT_FOUND'
  | 'APT_VERSION_GONE'
  | 'APT_PACKAGE_NOT_FOUND'
  | 'APT_FAILED'
  | 'APT_TIMEOUT'
  | 'APT_NOT_AVAILABLE'
  | 'CACHE_LOCK_TIMEOUT'
  | 'LOCKFILE_INVALID'
  | 'LOCK_MISMATCH'
  | 'LOCK_STALE'
  | 'UNPACK_FAILED';

export function isComponentsError(err: unknown): err is ComponentsError {
  return err instanceof ComponentsError;
}
