// Inspection of ucvm products (build.md §8 `ucvm inspect`).
export { BOOT_CONFIG_PATHS, parseBootConfig, parseCmdline } from './boot-config.js';
export { DETECTABLE_FORMATS, type DetectedFormat, detectFormat, looksLikeFat } from './detect.js';
export { readPartitionTable } from './disk.js';
export {
  gzipHoldsTar,
  INSPECTABLE_KINDS,
  type InspectImageOptions,
  inspectImage,
} from './inspect.js';
export { readBootCatalog } from './iso.js';
export { bzImageVersion } from './kernel.js';
export { type QemuRawOptions, type QemuReadable, qemuImgToRaw } from './qemu-raw.js';
export type * from './types.js';
