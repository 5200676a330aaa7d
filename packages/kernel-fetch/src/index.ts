export { bzImageVersion } from './bzimage.js';
export {
  type ClosureOptions,
  type ModuleClosure,
  type ModuleRef,
  moduleClosure,
  resolveModule,
} from './closure.js';
export { computeModuleIndex, listModuleFiles } from './depmod.js';
export { readModinfo } from './elf-modinfo.js';
export { KernelFetchError, type KernelFetchErrorCode } from './errors.js';
export { fnmatch, normalizeAlias } from './fnmatch.js';
export { loadModuleIndex } from './load-index.js';
export {
  type FetchKernelOptions,
  fetchKernel,
  type KernelTree,
  type LocateOptions,
  locateKernel,
} from './locate.js';
export {
  formatModulesAlias,
  formatModulesDep,
  formatModulesSoftdep,
  type ModuleAlias,
  type ModuleIndex,
  type ModuleInfo,
  parseBuiltinModinfo,
  parseModulesAlias,
  parseModulesBuiltin,
  parseModulesDep,
  parseModulesSoftdep,
  parseSoftdepSpec,
  type SoftDep,
} from './module-index.js';
export { moduleNameFromPath, normalizeModuleName } from './module-name.js';
