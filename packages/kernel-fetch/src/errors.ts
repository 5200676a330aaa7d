/** Stable codes of {@link KernelFetchError}. */
export type KernelFetchErrorCode =
  | 'KERNEL_LAYOUT' // no kernel image / module tree where one was expected
  | 'KERNEL_VERSION' // several or mismatching versions
  | 'MODULE_UNKNOWN' // a requested module or alias is not in the tree
  | 'MODULE_CYCLE'
  | 'MODULE_BAD_FILE' // a .ko that is not a readable ELF object
  | 'MODULE_INDEX'; // a malformed modules.* file

/** The one error class of @ucvm/kernel-fetch. */
export class KernelFetchError extends Error {
  readonly code: KernelFetchErrorCode;
  readonly hint: string;
  readonly exitCode: 1 | 2;

  constructor(
    code: KernelFetchErrorCode,
    message: string,
    hint: string,
    options?: { cause?: unknown; exitCode?: 1 | 2 },
  ) {
    super(message, options);
    this.name = 'KernelFetchError';
    this.code = code;
    this.hint = hint;
    this.exitCode = options?.exitCode ?? 1;
  }
}
