/**
 * The one error class of @ucvm/initrd (conventions: stable `code`, a message naming the thing
 * and the value, a `hint` with the remedy, `exitCode` 1 for a failed build, 2 for bad input).
 */
export class InitrdError extends Error {
  override readonly name = 'InitrdError';
  constructor(
    readonly code: InitrdErrorCode,
    message: string,
    readonly hint?: string,
    readonly exitCode: 1 | 2 = 1,
  ) {
    super(message);
  }
}

export type InitrdErrorCode =
  | 'CPIO_BAD_ENTRY'
  | 'CPIO_BAD_ARCHIVE'
  | 'ELF_UNSUPPORTED'
  | 'ELF_MALFORMED'
  | 'LIBRARY_NOT_FOUND'
  | 'TREE_PATH_MISSING'
  | 'TREE_PATH_UNSAFE'
  | 'TREE_SYMLINK_LOOP'
  | 'STAGING_CONFLICT'
  | 'COMPRESSION_UNKNOWN'
  | 'COMPRESSION_TOOL_MISSING'
  | 'COMPRESSION_FAILED'
  | 'BUSYBOX_NO_APPLETS'
  | 'MISSING_COMMAND'
  | 'MODULE_NOT_FOUND'
  | 'MODULE_DEPENDENCY_MISSING'
  | 'MODULE_UNSUPPORTED'
  | 'BAD_OPTION';
