export {
  type AccelSetting,
  accelSetting,
  PROBE_TIMEOUT_MS,
  probeAccel,
  resolveAccel,
} from './accel.js';
export { type Accel, buildQemuArgs, DEFAULT_OVMF, qemuValue } from './args.js';
export { type ConsoleMatch, type ConsolePattern, SerialConsole } from './console.js';
export { QemuError, type QemuErrorCode } from './errors.js';
export type {
  DriveFormat,
  DriveInterface,
  DriveMode,
  DriveOptions,
  GuestForward,
  HostForward,
  NetworkOptions,
  VmOptions,
} from './options.js';
export { DEBUG_EXIT_DEVICE, PROBE_MARKER, probeBootSector } from './probe-sector.js';
export { defaultArtifactsRoot, type RunVmOptions, safeName, VmRun, withVmRun } from './run.js';
export { type StartVmOptions, startVm } from './start.js';
export {
  DEFAULT_VM_DEADLINE_MS,
  killAllVmsSync,
  QEMU_BINARY,
  type SpawnVmOptions,
  spawnVm,
  type TimedMatch,
  Vm,
  type VmExit,
} from './vm.js';
