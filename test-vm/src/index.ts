/**
 * The QEMU harness moved to @ucvm/qemu so that the CLI (`ucvm run`) can use it without a
 * dependency cycle (this package devDepends on @ucvm/cli). This entry re-exports it for the boot
 * tests, with two test-suite defaults: failed runs are kept under `test-vm/artifacts/`, and
 * the error class keeps its old name.
 */

import { fileURLToPath } from 'node:url';
import { withVmRun as qemuWithVmRun, type RunVmOptions, type VmRun } from '@ucvm/qemu';

export * from '@ucvm/qemu';
export { QemuError as TestVmError, type QemuErrorCode as TestVmErrorCode } from '@ucvm/qemu';

/** `UCVM_TEST_ARTIFACTS`, else `test-vm/artifacts/` (this file sits in test-vm/src or dist). */
export function defaultArtifactsRoot(): string {
  return (
    process.env['UCVM_TEST_ARTIFACTS'] || fileURLToPath(new URL('../artifacts/', import.meta.url))
  );
}

/** {@link qemuWithVmRun} keeping failed runs under {@link defaultArtifactsRoot}. */
export function withVmRun<T>(
  name: string,
  body: (run: VmRun) => Promise<T>,
  opts: { artifactsRoot?: string } = {},
): Promise<T> {
  return qemuWithVmRun(name, body, { artifactsRoot: opts.artifactsRoot ?? defaultArtifactsRoot() });
}

export type { RunVmOptions };
