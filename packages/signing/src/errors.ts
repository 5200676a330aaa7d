/**
 * The one error class of @ucvm/signing (conventions: stable `code`, a message naming the thing
 * and the value, a `hint` with the remedy). `exitCode` 2 = the configuration or the caller's
 * input is wrong (a key that does not load, a certificate that does not match it); 1 = signing
 * or verifying failed.
 */
export class SigningError extends Error {
  override readonly name = 'SigningError';
  constructor(
    readonly code: SigningErrorCode,
    message: string,
    readonly hint?: string,
    readonly exitCode: 1 | 2 = 1,
  ) {
    super(message);
  }
}

export type SigningErrorCode =
  // reading a trailer
  | 'TRAILER_TRUNCATED'
  | 'TRAILER_BAD_JSON'
  // writing one
  | 'BLOCK_TOO_LARGE'
  | 'METADATA_INVALID'
  // signing material
  | 'KEY_INVALID'
  | 'KEY_UNSUPPORTED'
  | 'CERTIFICATE_INVALID'
  | 'KEY_CERTIFICATE_MISMATCH'
  | 'CA_BUNDLE_INVALID'
  // the signer command
  | 'SIGNER_FAILED'
  | 'SIGNER_TIMEOUT'
  | 'SIGNER_BAD_SIGNATURE';

export function isSigningError(err: unknown): err is SigningError {
  return err instanceof SigningError;
}
