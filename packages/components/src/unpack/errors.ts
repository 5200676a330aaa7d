/** Stable codes of {@link UnpackError} (spec/build.md §4: unpacking in-process). */
export type UnpackErrorCode =
  | 'UNPACK_UNKNOWN_FORMAT'
  | 'UNPACK_MALFORMED'
  | 'UNPACK_TRUNCATED'
  | 'UNPACK_UNSUPPORTED'
  | 'UNPACK_DECOMPRESS'
  | 'UNPACK_UNSAFE_PATH'
  | 'UNPACK_UNSAFE_LINK'
  | 'UNPACK_CONFLICT'
  | 'UNPACK_IO';

/** The one error class of the unpacker: names the archive and, where known, the member. */
export class UnpackError extends Error {
  readonly code: UnpackErrorCode;
  readonly hint: string;
  readonly exitCode = 1 as const;
  readonly archive: string;
  readonly member: string | undefined;

  constructor(
    code: UnpackErrorCode,
    archive: string,
    member: string | undefined,
    detail: string,
    hint: string,
    options?: { cause?: unknown },
  ) {
    const where = member === undefined ? archive : `${archive}: member ${JSON.stringify(member)}`;
    super(`${where}: ${detail}`, options);
    this.name = 'UnpackError';
    this.code = code;
    this.hint = hint;
    this.archive = archive;
    this.member = member;
  }
}

export const HINT_CORRUPT =
  'the archive is damaged or not what it claims to be; fetch it again and check its sha256 pin';
