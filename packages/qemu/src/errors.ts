/** Stable codes of {@link QemuError}. */
export type QemuErrorCode =
  | 'BAD_OPTION' // the caller passed an option QEMU or the harness cannot honour
  | 'QEMU_NOT_FOUND' // qemu-system-x86_64 (or the firmware) is not installed
  | 'ACCEL_UNAVAILABLE' // UCVM_QEMU_ACCEL=kvm but the KVM probe failed
  | 'WAIT_TIMEOUT' // an expected console line did not appear within its step deadline
  | 'VM_DEADLINE' // the whole VM ran past its overall deadline
  | 'VM_EXITED' // the VM exited while a console line was still expected
  | 'EXIT_TIMEOUT' // the VM did not exit within the deadline given to waitForExit
  | 'FIXTURE_FAILED' // a test or bench fixture (kernel download, initrd build) could not be prepared
  | 'ARTIFACTS_COPY_FAILED'; // a failed run's logs and disks could not be kept

/** The one error class of @ucvm/qemu (conventions.md "Errors"). */
export class QemuError extends Error {
  override readonly name = 'QemuError';
  /** 2 for a usage/configuration error, 1 for a failed run. */
  readonly exitCode: 1 | 2;
  /** Where the serial log and disks of the failed run were kept, once known. */
  artifactsDir?: string;
  constructor(
    readonly code: QemuErrorCode,
    message: string,
    readonly hint?: string,
  ) {
    super(hint === undefined ? message : `${message}\n  hint: ${hint}`);
    this.exitCode = code === 'BAD_OPTION' || code === 'ACCEL_UNAVAILABLE' ? 2 : 1;
  }
}
