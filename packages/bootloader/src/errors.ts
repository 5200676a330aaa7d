/**
 * The one error class of @ucvm/bootloader (conventions: stable `code`, a message naming the
 * thing and the value, a `hint` with the remedy). `exitCode` 2 = the configuration or the
 * caller's input is wrong; 1 = building failed (a missing tool, the tool failed).
 */
export class BootloaderError extends Error {
  override readonly name = 'BootloaderError';
  constructor(
    readonly code: BootloaderErrorCode,
    message: string,
    readonly hint?: string,
    readonly exitCode: 1 | 2 = 2,
  ) {
    super(message);
  }
}

export type BootloaderErrorCode =
  | 'PARAM_INVALID'
  | 'VARIANT_UNKNOWN'
  | 'MENU_INVALID'
  | 'TOOL_MISSING'
  | 'GRUB_MODULES_MISSING'
  | 'GRUB_MKIMAGE_FAILED';

export function isBootloaderError(err: unknown): err is BootloaderError {
  return err instanceof BootloaderError;
}
