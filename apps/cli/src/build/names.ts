// Product names (build.md §1): compatibility surface with existing CernVM tooling.
// `strong` already carries `.cvmfs-standin` when built with the test stand-in.

export const outputDirName = (strong: string) => `ucernvm-images.${strong}`;
export const initrdName = (strong: string) => `initrd.${strong}`;
export const updatePackName = (strong: string) => `ucernvm.${strong}.tar`;
export const imageName = (branch: string, strong: string, format: string) =>
  `ucernvm-${branch}.${strong}.${format}`;
export const MANIFEST_NAME = 'manifest.json';
/** Digests of every product's inputs, for reuse by the next run (build.md §8 "Incremental"). */
export const STATE_NAME = '.ucvm-build-state.json';
