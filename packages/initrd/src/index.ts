export {
  type BuildInitrdOptions,
  buildInitrd,
  type ExtraFile,
  type InitrdComponent,
  type InitrdEntrySummary,
  type InitrdProgress,
  type InitrdResult,
  writeAtomically,
} from './assemble.js';
export { BUILD_CONF_KEYS, renderBuildConf } from './build-conf.js';
export { busyboxApplets, PATH_DIRS, stageAppletLinks } from './busybox/applets.js';
export {
  ASH_BUILTINS,
  type CommandCall,
  extractCommands,
  type ShellCommands,
  WRAPPERS,
  type Wrapper,
} from './busybox/commands.js';
export {
  checkInitCommands,
  type InitCommand,
  type InitCommandCheck,
} from './busybox/commands-check.js';
export {
  COMPRESSIONS,
  type Compression,
  type CompressResult,
  compress,
  decompress,
  detectCompression,
  parseCompression,
  toolVersion,
} from './compress/compress.js';
export { XZ_CHECK_CRC32, xzCheckType } from './compress/xz-header.js';
export { type CpioEntry, type NewcRecord, readNewc, writeNewc } from './cpio/newc.js';
export {
  DEFAULT_LIBRARY_DIRS,
  expandSearchPath,
  type LibraryResolution,
  stageLibraryClosure,
} from './elf/closure.js';
export { type ElfDependencies, readElfDependencies } from './elf/elf.js';
export { isElf } from './elf/file-header.js';
export { InitrdError, type InitrdErrorCode } from './errors.js';
export { initFilesDir } from './init-files.js';
export { type InitrdInspection, inspectInitrd } from './inspect.js';
export { DEFAULT_INITRD_MODULES } from './modules/default-modules.js';
export { generateModuleIndexes, type ModuleIndexes, type SubsetModule } from './modules/indexes.js';
export { canonicalModuleName, type ModuleInfo, readModinfo } from './modules/modinfo.js';
export {
  type KernelModulesSource,
  type ModuleSelection,
  type StagedModules,
  stageModules,
} from './modules/stage-modules.js';
export {
  componentPurl,
  type InitrdSbomOptions,
  initrdSbom,
  SBOM_NAME,
  type SbomComponentInput,
  type SbomFile,
  sbomFilesFromInitrd,
} from './sbom.js';
export { expandSelection } from './tree/glob.js';
export { type ComponentTree, placeFromTree } from './tree/place.js';
export { type StagedEntry, Staging } from './tree/staging.js';
