import { lstat, readdir, readFile, realpath } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { type UnpackResult, unpackArchive } from '@ucvm/components';
import { bzImageVersion } from './bzimage.js';
import { KernelFetchError } from './errors.js';
import { loadModuleIndex } from './load-index.js';
import type { ModuleIndex } from './module-index.js';

/** A kernel ready to use: image, version, config, System.map and module index. */
export interface KernelTree {
  /** `uname -r` of the kernel: the name of its `lib/modules/<version>` directory. */
  version: string;
  /** The banner in the bzImage header, when the image has one. */
  versionString: string | undefined;
  /** Absolute path of the kernel image (vmlinuz). */
  image: string;
  /** Absolute path of the kernel's .config (`boot/config-<version>`), if the layout has one. */
  config: string | undefined;
  /** Absolute path of System.map, if present. */
  systemMap: string | undefined;
  /** True when System.map is Debian's placeholder text (the real one is in the -dbg package). */
  systemMapIsPlaceholder: boolean;
  /** Absolute path of `lib/modules/<version>`. */
  modulesDir: string;
  index: ModuleIndex;
}

export interface LocateOptions {
  /** Pick this version when the tree holds several `lib/modules/*`. */
  version?: string;
}

const HINT_LAYOUT =
  'pass a Debian linux-image-* package, or a kernel tarball holding vmlinuz (or boot/vmlinuz-VERSION) and lib/modules/VERSION/';

async function exists(path: string): Promise<boolean> {
  return lstat(path).then(
    () => true,
    () => false,
  );
}

async function subdirs(path: string): Promise<string[]> {
  try {
    return (await readdir(path, { withFileTypes: true }))
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort();
  } catch {
    return [];
  }
}

/** First candidate that exists and resolves inside the tree (a link may not point at the host). */
async function pick(root: string, base: string, candidates: string[]): Promise<string | undefined> {
  for (const rel of candidates) {
    const path = join(base, rel);
    if (!(await exists(path))) continue;
    const real = await realpath(path).catch(() => undefined);
    if (real === undefined) continue;
    if (real !== root && !real.startsWith(root + sep)) {
      throw new KernelFetchError(
        'KERNEL_LAYOUT',
        `${path} points outside the kernel tree (${real})`,
        HINT_LAYOUT,
      );
    }
    return path;
  }
  return undefined;
}

/**
 * Find the kernel in an unpacked tree: Debian (`boot/vmlinuz-V`, `boot/config-V`,
 * `boot/System.map-V`, `lib/modules/V` or `usr/lib/modules/V`) or a CernVM kernel tarball
 * (`vmlinuz` + `lib/modules/V/`, possibly inside one top-level directory).
 */
export async function locateKernel(
  treeRoot: string,
  options: LocateOptions = {},
): Promise<KernelTree> {
  const root = await realpath(treeRoot).catch(() => {
    throw new KernelFetchError(
      'KERNEL_LAYOUT',
      `kernel tree ${treeRoot} does not exist`,
      HINT_LAYOUT,
      { exitCode: 2 },
    );
  });
  let base: string | undefined;
  let modulesBase: string | undefined;
  for (const dir of [root, ...(await subdirs(root)).map((d) => join(root, d))]) {
    for (const rel of ['lib/modules', 'usr/lib/modules']) {
      if (modulesBase === undefined && (await subdirs(join(dir, rel))).length > 0) {
        base = dir;
        modulesBase = join(dir, rel);
      }
    }
  }
  if (base === undefined || modulesBase === undefined) {
    throw new KernelFetchError(
      'KERNEL_LAYOUT',
      `no lib/modules/<version>/ directory in ${treeRoot}`,
      HINT_LAYOUT,
    );
  }
  const versions = await subdirs(modulesBase);
  const version = options.version ?? (versions.length === 1 ? versions[0] : undefined);
  if (version === undefined || !versions.includes(version)) {
    throw new KernelFetchError(
      'KERNEL_VERSION',
      options.version === undefined
        ? `${modulesBase} holds several kernel versions (${versions.join(', ')})`
        : `kernel version ${JSON.stringify(options.version)} is not in ${modulesBase} (found ${versions.join(', ')})`,
      'choose one with the kernel version option',
      { exitCode: 2 },
    );
  }
  const modulesDir = join(modulesBase, version);
  const inModules = `${modulesBase.slice(base.length + 1)}/${version}`;
  const image = await pick(root, base, [
    `boot/vmlinuz-${version}`,
    `vmlinuz-${version}`,
    'boot/vmlinuz',
    'vmlinuz',
    'boot/bzImage',
    'bzImage',
    `${inModules}/vmlinuz`,
  ]);
  if (image === undefined) {
    throw new KernelFetchError(
      'KERNEL_LAYOUT',
      `no kernel image (vmlinuz) for ${version} in ${treeRoot}`,
      HINT_LAYOUT,
    );
  }
  const versionString = bzImageVersion(await readFile(image));
  if (
    versionString !== undefined &&
    !versionString.startsWith(`${version} `) &&
    versionString !== version
  ) {
    throw new KernelFetchError(
      'KERNEL_VERSION',
      `${image} is kernel ${JSON.stringify(versionString.split(' ')[0])} but its modules are in ${modulesDir}`,
      'use a kernel image and module tree from the same build',
    );
  }
  const config = await pick(root, base, [
    `boot/config-${version}`,
    `config-${version}`,
    'boot/config',
    'config',
    '.config',
    `${inModules}/config`,
  ]);
  const systemMap = await pick(root, base, [
    `boot/System.map-${version}`,
    `System.map-${version}`,
    'boot/System.map',
    'System.map',
    `${inModules}/System.map`,
  ]);
  const mapHead = systemMap ? (await readFile(systemMap)).subarray(0, 200).toString('latin1') : '';
  return {
    version,
    versionString,
    image,
    config,
    systemMap,
    systemMapIsPlaceholder: systemMap !== undefined && !/^[0-9a-f]{8,16} \w /.test(mapHead),
    modulesDir,
    index: await loadModuleIndex(modulesDir),
  };
}

export interface FetchKernelOptions extends LocateOptions {
  /** Name of the archive for messages (file name or URL). */
  name?: string;
}

/**
 * Unpack a Debian `linux-image-*` .deb or a CernVM kernel tarball (tar.gz/xz/zst) into destDir
 * with @ucvm/components' in-process unpacker, then {@link locateKernel} there.
 */
export async function fetchKernel(
  archive: Uint8Array,
  destDir: string,
  options: FetchKernelOptions = {},
): Promise<KernelTree & { unpacked: UnpackResult }> {
  const unpacked = await unpackArchive(
    archive,
    destDir,
    options.name === undefined ? {} : { name: options.name },
  );
  return { ...(await locateKernel(destDir, options)), unpacked };
}
