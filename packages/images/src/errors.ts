/**
 * The one error class of @ucvm/images (conventions: stable `code`, a message naming the thing
 * and the value, a `hint` with the remedy). `exitCode` 2 is bad input from the caller (tree,
 * options), 1 is a failure while writing (I/O, an external tool).
 */
export class ImagesError extends Error {
  override readonly name = 'ImagesError';
  constructor(
    readonly code: string,
    message: string,
    readonly hint?: string,
    readonly exitCode: 1 | 2 = 2,
  ) {
    super(message);
  }
}
