import {
  buildInitrd,
  type Compression,
  DEFAULT_INITRD_MODULES,
  type InitrdProgress,
  type InitrdResult,
} from '@ucvm/initrd';
import { type KernelTree, locateKernel, moduleClosure } from '@ucvm/kernel-fetch';
import { type BuildInputs, initrdComponents, kernelComponent, treeOf } from './inputs.js';

/** The kernel of the configuration's kernel component (image, version, module index). */
export function loadKernel(inputs: BuildInputs): Promise<KernelTree> {
  return locateKernel(treeOf(inputs, kernelComponent(inputs).name));
}

/**
 * The init ramdisk from the fetched components (build.md §5): every initrd/cvmfs component,
 * the default module closure of the kernel, `/version` = the build's strong version.
 */
export function makeInitrd(
  inputs: BuildInputs,
  kernel: KernelTree,
  opts: { compression: Compression; out?: string; onProgress?: (e: InitrdProgress) => void },
): Promise<InitrdResult> {
  const closure = moduleClosure(kernel.index, [...DEFAULT_INITRD_MODULES]);
  return buildInitrd({
    components: initrdComponents(inputs),
    kernel,
    modules: closure.modules,
    strongVersion: inputs.strong,
    sourceDateEpoch: inputs.sourceDateEpoch,
    compression: opts.compression,
    arch: inputs.config.arch,
    ...(opts.out === undefined ? {} : { out: opts.out }),
    ...(opts.onProgress === undefined ? {} : { onProgress: opts.onProgress }),
  });
}
