import { rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { renderBuildConf } from './build-conf.js';
import { busyboxApplets, stageAppletLinks } from './busybox/applets.js';
import { checkInitCommands, type InitCommandCheck } from './busybox/commands-check.js';
import { type Compression, compress } from './compress/compress.js';
import { writeNewc } from './cpio/newc.js';
import { type LibraryResolution, stageLibraryClosure } from './elf/closure.js';
import { InitrdError } from './errors.js';
import { initFilesDir } from './init-files.js';
import {
  type KernelModulesSource,
  type ModuleSelection,
  type StagedModules,
  stageModules,
} from './modules/stage-modules.js';
import { expandSelection } from './tree/glob.js';
import { type ComponentTree, type HardLinkMap, placeFromTree } from './tree/place.js';
import { type StagedEntry, Staging } from './tree/staging.js';

/** A component's unpacked tree and what of it goes into the initrd. */
export interface InitrdComponent extends ComponentTree {
  /**
   * Paths or globs (`*`, `?`, `[...]` per component) to take from the tree; `{ from, to }`
   * places one path elsewhere. Absent: the whole tree.
   * An empty list makes a library-only tree: its files land only when a binary needs them.
   */
  files?: readonly (string | { from: string; to: string })[];
}

export interface ExtraFile {
  path: string;
  data: Uint8Array | string;
  mode?: number;
}

export type InitrdProgress =
  | { step: 'stage'; component: string }
  | { step: 'libraries' | 'busybox' | 'modules' | 'cpio' | 'compress' | 'write'; detail?: string };

export interface BuildInitrdOptions {
  components: readonly InitrdComponent[];
  /** The strong version, e.g. "2026.11-1.cernvm.x86_64"; written to /version. */
  strongVersion: string;
  sourceDateEpoch: number;
  /** Default "xz" (CRC32 check), build.md §1. */
  compression?: Compression;
  /** Directory mapped onto the image root: /init and /lib/ucvm. Default: initFilesDir(). */
  initDir?: string;
  kernel?: KernelModulesSource;
  /** Modules under kernel.modulesDir, in load order (moduleClosure()). */
  modules?: readonly ModuleSelection[];
  arch?: string;
  /** Extra /etc/ucvm/build.conf keys (the standard four are filled in). */
  buildConf?: Readonly<Record<string, string>>;
  /** Where busybox sits in the image and where its applet links go; false: no links. */
  busybox?: { path?: string; linkDir?: string } | false;
  extraFiles?: readonly ExtraFile[];
  /**
   * The check that every command the init's shell files call is in the image (runtime.md §1.2
   * item 3). 'error': a missing one fails the build (MISSING_COMMAND); 'record': missing ones
   * are only listed in the result's `commandCheck.missing`. Default 'error', but 'record' with
   * `busybox: false`: without busybox there is no /bin/sh, so the image cannot run the init.
   */
  commandCheck?: 'error' | 'record';
  /** When given, the initrd is written there atomically (temporary name, then rename). */
  out?: string;
  onProgress?: (event: InitrdProgress) => void;
}

export interface InitrdEntrySummary {
  path: string;
  kind: StagedEntry['kind'];
  component: string;
  /** Data bytes (files), target length (symlinks), 0 otherwise. */
  size: number;
  mode?: number;
  target?: string;
}

export interface InitrdResult {
  /** The compressed initrd. */
  bytes: Uint8Array;
  path?: string;
  compression: Compression;
  /** Encoder and version (for manifest.json). */
  tool: string;
  cpioSize: number;
  compressedSize: number;
  entries: InitrdEntrySummary[];
  /** Entry count and bytes per component, sorted by name. */
  components: { name: string; entries: number; bytes: number }[];
  libraries: LibraryResolution[];
  modules?: StagedModules;
  /** Busybox applet names found in the binary, and those linked. */
  applets: string[];
  appletLinks: string[];
  /** Commands the init's shell files call and what provides each (runtime.md §1.2 item 3). */
  commandCheck: InitCommandCheck;
}

/** Mount points and fixed directories of the image root; /init mounts over them (runtime.md §3). */
const SKELETON: [string, number][] = [
  ['bin', 0o755],
  ['dev', 0o755],
  ['etc', 0o755],
  ['lib', 0o755],
  ['mnt', 0o755],
  ['proc', 0o755],
  ['root', 0o700],
  ['run', 0o755],
  ['sbin', 0o755],
  ['sys', 0o755],
  ['tmp', 0o1777],
  ['usr/bin', 0o755],
  ['usr/sbin', 0o755],
];

/** `<component>\t<entries>\t<bytes>` lines, sorted by component. */
export const COMPONENTS_FILE = 'etc/ucvm/components';

const BUSYBOX_CANDIDATES = ['sbin/busybox', 'bin/busybox', 'usr/bin/busybox', 'usr/sbin/busybox'];

/** Builds the initrd: stage everything in memory, write the cpio, compress. */
export async function buildInitrd(options: BuildInitrdOptions): Promise<InitrdResult> {
  const progress = options.onProgress ?? (() => {});
  const epoch = options.sourceDateEpoch;
  if (!Number.isInteger(epoch) || epoch < 0) {
    throw new InitrdError(
      'BAD_OPTION',
      `SOURCE_DATE_EPOCH ${epoch} is not a non-negative integer`,
      'pass whole seconds since 1970',
      2,
    );
  }
  if (!/^[A-Za-z0-9._+~-]+$/.test(options.strongVersion)) {
    throw new InitrdError(
      'BAD_OPTION',
      `strong version ${JSON.stringify(options.strongVersion)} has characters outside [A-Za-z0-9._+~-]`,
      'use <version>-<release>.cernvm.<arch>',
      2,
    );
  }
  const names = new Set<string>();
  for (const c of options.components) {
    if (names.has(c.name) || ['ucvm', 'init', 'extra', 'kernel-modules'].includes(c.name)) {
      throw new InitrdError(
        'BAD_OPTION',
        `component name ${JSON.stringify(c.name)} is used twice or reserved`,
        'give every component a unique name',
        2,
      );
    }
    names.add(c.name);
  }

  const staging = new Staging();
  for (const [path, mode] of SKELETON) staging.add({ kind: 'dir', path, mode, component: 'ucvm' });
  // The kernel opens /dev/console before /init runs (init/main.c console_on_rootfs).
  staging.add({
    kind: 'char',
    path: 'dev/console',
    mode: 0o600,
    major: 5,
    minor: 1,
    component: 'ucvm',
  });
  staging.add({
    kind: 'char',
    path: 'dev/null',
    mode: 0o666,
    major: 1,
    minor: 3,
    component: 'ucvm',
  });

  progress({ step: 'stage', component: 'init' });
  await placeFromTree(staging, { name: 'init', root: options.initDir ?? initFilesDir() }, '', '');

  const links = new Map<string, HardLinkMap>();
  const linksOf = (name: string): HardLinkMap => {
    let m = links.get(name);
    if (!m) {
      m = new Map();
      links.set(name, m);
    }
    return m;
  };
  for (const c of options.components) {
    progress({ step: 'stage', component: c.name });
    const tree = { name: c.name, root: c.root };
    for (const sel of c.files ?? ['']) {
      if (typeof sel !== 'string')
        await placeFromTree(staging, tree, sel.from, sel.to, linksOf(c.name));
      else
        for (const path of await expandSelection(c.root, c.name, sel))
          await placeFromTree(staging, tree, path, path, linksOf(c.name));
    }
  }

  progress({ step: 'libraries' });
  const libraries = await stageLibraryClosure(staging, options.components, links);

  let applets: string[] = [];
  let appletLinks: string[] = [];
  let busyboxPath: string | undefined;
  if (options.busybox !== false) {
    const wanted = options.busybox?.path;
    const path = wanted ?? BUSYBOX_CANDIDATES.find((p) => staging.resolveFile(p));
    const binary = path === undefined ? undefined : staging.resolveFile(path);
    if (wanted !== undefined && !binary) {
      throw new InitrdError(
        'BAD_OPTION',
        `busybox is expected at /${wanted} but no component places a file there`,
        'add the busybox component or fix busybox.path',
        2,
      );
    }
    if (binary && binary.kind === 'file' && path !== undefined) {
      progress({ step: 'busybox', detail: path });
      busyboxPath = path;
      applets = busyboxApplets(binary.data);
      appletLinks = stageAppletLinks(
        staging,
        applets,
        path,
        options.busybox?.linkDir ?? 'bin',
        binary.component,
      );
    }
  }

  let modules: StagedModules | undefined;
  if (options.kernel) {
    progress({ step: 'modules', detail: options.kernel.version });
    modules = await stageModules(staging, options.kernel, options.modules ?? []);
  } else if (options.modules && options.modules.length > 0) {
    throw new InitrdError(
      'BAD_OPTION',
      'modules were given without a kernel',
      'pass the fetched kernel too',
      2,
    );
  }

  const buildConf = renderBuildConf({
    version: options.strongVersion,
    build_epoch: String(epoch),
    kernel: options.kernel?.version ?? '',
    arch: options.arch ?? 'x86_64',
    ...options.buildConf,
  });
  staging.add({
    kind: 'file',
    path: 'version',
    mode: 0o644,
    data: Buffer.from(`${options.strongVersion}\n`),
    component: 'ucvm',
  });
  staging.add({
    kind: 'file',
    path: 'etc/ucvm/build.conf',
    mode: 0o644,
    data: Buffer.from(buildConf),
    component: 'ucvm',
  });
  for (const f of options.extraFiles ?? []) {
    const data = typeof f.data === 'string' ? Buffer.from(f.data) : f.data;
    staging.add({ kind: 'file', path: f.path, mode: f.mode ?? 0o644, data, component: 'extra' });
  }

  const commandCheck = checkInitCommands(
    staging,
    busyboxPath,
    (options.commandCheck ?? (options.busybox === false ? 'record' : 'error')) === 'error',
  );

  // Per-component totals travel in the image, so `ucvm inspect` can show them (this file
  // itself is not counted).
  const totals = perComponent(staging.entries());
  const table = totals.map((t) => `${t.name}\t${t.entries}\t${t.bytes}\n`).join('');
  staging.add({
    kind: 'file',
    path: COMPONENTS_FILE,
    mode: 0o644,
    data: Buffer.from(table),
    component: 'ucvm',
  });

  progress({ step: 'cpio' });
  const entries = staging.entries();
  const cpio = writeNewc(entries, { sourceDateEpoch: epoch });
  const compression = options.compression ?? 'xz';
  progress({ step: 'compress', detail: compression });
  const packed = await compress(cpio, compression);

  const result: InitrdResult = {
    bytes: packed.bytes,
    compression,
    tool: packed.tool,
    cpioSize: cpio.length,
    compressedSize: packed.bytes.length,
    entries: entries.map(summarize),
    components: perComponent(entries),
    libraries,
    applets,
    appletLinks,
    commandCheck,
  };
  if (modules) result.modules = modules;
  if (options.out) {
    progress({ step: 'write', detail: options.out });
    await writeAtomically(options.out, packed.bytes);
    result.path = options.out;
  }
  return result;
}

function summarize(e: StagedEntry): InitrdEntrySummary {
  const s: InitrdEntrySummary = { path: e.path, kind: e.kind, component: e.component, size: 0 };
  if (e.kind === 'file') s.size = e.data.length;
  if (e.kind === 'symlink') s.size = Buffer.byteLength(e.target);
  if (e.kind === 'symlink' || e.kind === 'hardlink') s.target = e.target;
  if ('mode' in e) s.mode = e.mode;
  return s;
}

function perComponent(entries: readonly StagedEntry[]): InitrdResult['components'] {
  const totals = new Map<string, { entries: number; bytes: number }>();
  for (const e of entries) {
    const t = totals.get(e.component) ?? { entries: 0, bytes: 0 };
    t.entries++;
    if (e.kind === 'file') t.bytes += e.data.length;
    totals.set(e.component, t);
  }
  return [...totals.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, t]) => ({ name, ...t }));
}

/** Writes under a temporary name in the same directory, then renames (build.md §7 atomic). */
export async function writeAtomically(path: string, bytes: Uint8Array): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.partial-${process.pid}`);
  try {
    await writeFile(tmp, bytes);
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}
