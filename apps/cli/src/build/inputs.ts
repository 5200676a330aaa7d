import { join, resolve } from 'node:path';
import {
  type ComponentRole,
  componentTree,
  defaultCacheDir,
  type FetchEvent,
  fetchComponents,
  LOCKFILE_NAME,
  type LoadedConfig,
  loadConfig,
  parseOverrides,
  type ResolvedComponent,
  readLockfile,
  strongVersion,
  type UcvmConfig,
} from '@ucvm/components';
import type { InitrdComponent } from '@ucvm/initrd';
import { CliError } from '../errors.js';
import type { CliIo } from '../io.js';
import { locateCvmfsStandin, STANDIN_SUFFIX } from './standin.js';

/**
 * The shared front half of `ucvm initrd`, `ucvm image` and `ucvm build`: load the config,
 * fetch and verify the components of the wanted roles, unpack their trees (build.md §3, §4).
 */
export interface InputOptions {
  config?: string;
  /** `--component NAME=PATH` values. */
  component?: string[];
  cacheDir?: string;
  /** `--cvmfs-standin`: use the test stand-in as the cvmfs component (build.md §4). */
  cvmfsStandin?: boolean;
  roles: readonly ComponentRole[];
  onFetch?: (event: FetchEvent) => void;
  /** Runs after the config is loaded, before anything is fetched (e.g. host tool checks). */
  beforeFetch?: (config: UcvmConfig) => Promise<void>;
}

export interface BuildInputs {
  loaded: LoadedConfig;
  config: UcvmConfig;
  sourceDateEpoch: number;
  cacheDir: string;
  /** `<version>-<release>.cernvm.<arch>`, plus `.cvmfs-standin` with the stand-in: the label of every product. */
  strong: string;
  cvmfsStandin: boolean;
  components: ResolvedComponent[];
  /** Unpacked tree of every fetched component, by name. */
  trees: Map<string, string>;
}

/** SOURCE_DATE_EPOCH from the environment (default 0): the only clock of a build (build.md §7). */
export function sourceDateEpoch(env: NodeJS.ProcessEnv): number {
  const text = env.SOURCE_DATE_EPOCH ?? '0';
  if (!/^\d+$/.test(text)) {
    throw new CliError(
      'E_SOURCE_DATE_EPOCH',
      `SOURCE_DATE_EPOCH=${JSON.stringify(text)} is not whole seconds`,
      'export SOURCE_DATE_EPOCH=$(git log -1 --format=%ct)',
      2,
    );
  }
  return Number(text);
}

export async function prepareInputs(io: CliIo, opts: InputOptions): Promise<BuildInputs> {
  const epoch = sourceDateEpoch(io.env);
  const loaded = await loadConfig(
    opts.config ? { path: opts.config, cwd: io.cwd } : { cwd: io.cwd },
  );
  const { config } = loaded;
  const cacheDir = opts.cacheDir ? resolve(io.cwd, opts.cacheDir) : defaultCacheDir(io.env);
  const overrideArgs = [...(opts.component ?? [])];
  const cvmfs = config.components.find((c) => c.role === 'cvmfs');
  if (opts.cvmfsStandin) {
    if (!cvmfs) {
      throw new CliError(
        'E_CVMFS_STANDIN',
        '--cvmfs-standin given, but the configuration has no component with role "cvmfs"',
        'drop --cvmfs-standin or add the cvmfs component to the configuration',
        2,
      );
    }
    if (overrideArgs.some((v) => v.startsWith(`${cvmfs.name}=`))) {
      throw new CliError(
        'E_CVMFS_STANDIN',
        `--cvmfs-standin and --component ${cvmfs.name}=… both set the CernVM-FS client`,
        'give one of them',
        2,
      );
    }
    overrideArgs.push(`${cvmfs.name}=${await locateCvmfsStandin()}`);
  }
  await opts.beforeFetch?.(config);
  const wanted = config.components.filter((c) => opts.roles.includes(c.role));
  const skip = config.components.filter((c) => !wanted.includes(c)).map((c) => c.name);
  const fetched = await fetchComponents(config, {
    cacheDir,
    baseDir: loaded.baseDir,
    lock: await readLockfile(join(loaded.baseDir, LOCKFILE_NAME)),
    overrides: parseOverrides(overrideArgs, config),
    skip,
    onEvent: (e) => opts.onFetch?.(e),
  });
  if (fetched.failures.length > 0) {
    const lines = fetched.failures.map(
      (f) => `${f.component}: ${f.error.message}${f.error.hint ? ` (hint: ${f.error.hint})` : ''}`,
    );
    throw new CliError(
      'E_FETCH',
      `${fetched.failures.length} component(s) could not be fetched:\n  ${lines.join('\n  ')}`,
      'see the messages above; a missing CernVM-FS client can be given with --component cvmfs=PATH',
      1,
    );
  }
  const trees = new Map<string, string>();
  for (const c of fetched.components) trees.set(c.name, await componentTree(c, cacheDir));
  const strong = strongVersion(config.version, config.release, config.arch);
  return {
    loaded,
    config,
    sourceDateEpoch: epoch,
    cacheDir,
    strong: opts.cvmfsStandin ? `${strong}${STANDIN_SUFFIX}` : strong,
    cvmfsStandin: Boolean(opts.cvmfsStandin),
    components: fetched.components,
    trees,
  };
}

/** The components with a role, in config order. */
export function byRole(inputs: BuildInputs, role: ComponentRole): ResolvedComponent[] {
  return inputs.components.filter((c) => c.role === role);
}

/** The initrd builder's view: every initrd and cvmfs component with its tree and file list. */
export function initrdComponents(inputs: BuildInputs): InitrdComponent[] {
  return inputs.components
    .filter((c) => c.role === 'initrd' || c.role === 'cvmfs')
    .map((c) => ({ name: c.name, root: treeOf(inputs, c.name), files: c.initrd }));
}

export function treeOf(inputs: BuildInputs, name: string): string {
  const t = inputs.trees.get(name);
  if (t === undefined) throw new Error(`unreachable: component ${name} has no tree`);
  return t;
}

/** The one component of role "kernel" (configuration error when missing). */
export function kernelComponent(inputs: BuildInputs): ResolvedComponent {
  const k = byRole(inputs, 'kernel')[0];
  if (!k) {
    throw new CliError(
      'E_NO_KERNEL',
      'the configuration has no component with role "kernel"',
      'add the kernel package to the components',
      2,
    );
  }
  return k;
}
