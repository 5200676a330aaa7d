/**
 * Thrown only by the builder-facing helpers (for example `renderBlock` given a bad key).
 * Parsing never throws: it returns warnings (userdata.md §14).
 */
export class UserdataError extends Error {
  override readonly name = 'UserdataError';
  /** Exit code the CLI should use: 2 for bad input given by the caller. */
  readonly exitCode = 2;
  constructor(
    readonly code: string,
    message: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}
