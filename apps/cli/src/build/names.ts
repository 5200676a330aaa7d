// Product names (build.md §1): compatibility surface with existing CernVM tooling.
// `strong` already carries `.cvmfs-standin` when built with the test stand-in.

export const outputDirName = (strong: string) => `ucernvm-images.${strong}`;
export const initrdName = (strong: string) => `initrd.${strong}`;
export const updatePackName = (strong: string) => `ucernvm.${strong}.tar`;
/** `ucernvm-<branch>.<strong>`: an image's name without the format suffix. */
export const imageBase = (branch: string, strong: string) => `ucernvm-${branch}.${strong}`;
export const imageName = (branch: string, strong: string, format: string) =>
  `${imageBase(branch, strong)}.${format}`;
export const MANIFEST_NAME = 'manifest.json';
/** Digests of every product's inputs, for reuse by the next run (build.md §8 "Incremental"). */
export const STATE_NAME = '.ucvm-build-state.json';
