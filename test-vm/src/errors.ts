// Kept for the test fixtures' `../../src/errors.js` imports; the class lives in @ucvm/qemu.
export { QemuError as TestVmError, type QemuErrorCode as TestVmErrorCode } from '@ucvm/qemu';
