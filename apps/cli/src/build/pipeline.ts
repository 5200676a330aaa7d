import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BootVariant, buildEfiLoader } from '@ucvm/bootloader';
import { type Branch, sha256File, type UcvmConfig } from '@ucvm/components';
import { loadTree, resolveTree, treeDigest, treeFromDirectory, writeImageFile } from '@ucvm/images';
import { type Compression, type InitrdResult, initFilesDir, SBOM_NAME } from '@ucvm/initrd';
import { CLI_VERSION } from '../version.js';
import {
  type BuildFormat,
  DERIVED_VARIANT,
  formatSuffix,
  isDerived,
  writeDerived,
} from './derived.js';
import { bootConfigs, imageTree } from './image-tree.js';
import { loadKernel, makeInitrd } from './initrd-step.js';
import { type BuildInputs, kernelComponent } from './inputs.js';
import { type LoaderFiles, loadLoaderFiles } from './loaders.js';
import { type BuildManifest, type ManifestOutput, manifest } from './manifest.js';
import { imageName, initrdName, MANIFEST_NAME, outputDirName, updatePackName } from './names.js';
import type { BuildEvent } from './progress.js';
import { sbomText } from './sbom-step.js';
import { loadSigning, signStep } from './sign-step.js';
import {
  inputKey,
  type OutputRecord,
  readState,
  removeStaleTemporaries,
  reusable,
  writeChecksum,
  writeState,
} from './state.js';
import { updatePack } from './update-pack.js';
import { writeImage } from './write-image.js';

type CloudVariant = Exclude<BootVariant, 'debug'>;

export interface BuildPlan {
  inputs: BuildInputs;
  branches: Branch[];
  formats: BuildFormat[];
  compression: Compression;
  jobs: number;
  /** The configured output root (`dist`); products go to `<outRoot>/ucernvm-images.<strong>/`. */
  outRoot: string;
  /** Host tool versions (checked at start). */
  tools: Record<string, string>;
  emit: (e: BuildEvent) => void;
}

export interface BuildResult {
  outDir: string;
  manifest: BuildManifest;
  built: string[];
  reused: string[];
  removedTemporaries: string[];
}

/** Runs `work` for every item with at most `jobs` at a time; the first failure is rethrown. */
async function pool<T>(items: readonly T[], jobs: number, work: (item: T) => Promise<void>) {
  let next = 0;
  const runners = Array.from({ length: Math.max(1, Math.min(jobs, items.length)) }, async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await work(item);
    }
  });
  await Promise.all(runners);
}

/** The whole of `ucvm build` after the inputs are fetched (build.md §1, §2, §7). */
export async function runBuild(plan: BuildPlan): Promise<BuildResult> {
  const { inputs, emit } = plan;
  const epoch = inputs.sourceDateEpoch;
  const strong = inputs.strong;
  const outDir = join(plan.outRoot, outputDirName(strong));
  await mkdir(outDir, { recursive: true });
  const removedTemporaries = await removeStaleTemporaries(outDir);
  if (removedTemporaries.length > 0) {
    emit({
      event: 'note',
      message: `removed ${removedTemporaries.length} temporary file(s) of an interrupted run`,
    });
  }
  const state = await readState(outDir);
  // Signing material is checked before anything is built (build.md §7 "Signing").
  const signing = await loadSigning(inputs.loaded);
  const records: Record<string, OutputRecord> = {};
  const outputs: ManifestOutput[] = [];
  const built: string[] = [];
  const reused: string[] = [];

  /** Runs one task with start/done events; `fn` says whether it reused its product. */
  const task = async <T>(
    id: string,
    title: string,
    fn: () => Promise<{ value: T; reused?: boolean; detail?: string }>,
  ): Promise<T> => {
    emit({ event: 'task', id, state: 'start', title });
    const t0 = performance.now();
    try {
      const r = await fn();
      emit({
        event: 'task',
        id,
        state: r.reused ? 'reused' : 'done',
        title,
        ms: performance.now() - t0,
        ...(r.detail ? { detail: r.detail } : {}),
      });
      return r.value;
    } catch (e) {
      emit({
        event: 'task',
        id,
        state: 'failed',
        title,
        ms: performance.now() - t0,
        message: (e as Error).message,
      });
      throw e;
    }
  };

  /** Reuses `name` when its key matches, else runs `write` (which must create the file). */
  const product = async (
    name: string,
    key: string,
    meta: Omit<ManifestOutput, 'name' | 'size' | 'sha256'>,
    write: (path: string) => Promise<void>,
  ): Promise<void> => {
    await task(name, name, async () => {
      let rec = await reusable(outDir, name, key, state);
      const wasReused = rec !== undefined;
      if (rec) reused.push(name);
      else {
        await write(join(outDir, name));
        const s = await sha256File(join(outDir, name));
        rec = { key, sha256: s.sha256, size: s.size };
        await writeChecksum(outDir, name, rec.sha256);
        built.push(name);
      }
      records[name] = rec;
      outputs.push({ name, size: rec.size, sha256: rec.sha256, ...meta });
      return { value: undefined, reused: wasReused, detail: `${rec.size} bytes` };
    });
  };

  // Everything a product is made of goes into its key; a change anywhere rebuilds it.
  const initFiles = treeDigest(
    resolveTree(await loadTree(await treeFromDirectory(initFilesDir()))),
  );
  const base = inputKey({
    config: inputs.loaded.digest,
    components: inputs.components.map((c) => [c.name, c.sha256]),
    epoch,
    strong,
    compression: plan.compression,
    initFiles,
    ucvm: CLI_VERSION,
    node: process.version,
    tools: plan.tools,
  });
  const keyOf = (name: string) => inputKey({ base, name });

  const kernelComp = kernelComponent(inputs);
  const kernel = await task('kernel', `kernel ${kernelComp.name}`, async () => {
    const k = await loadKernel(inputs);
    return { value: k, detail: k.version };
  });
  const kernelBytes = await readFile(kernel.image);

  // The initrd and the kernel are built once and shared by all branches (build.md §1).
  const initrdFile = initrdName(strong);
  let initrdResult: InitrdResult | undefined;
  await product(initrdFile, keyOf(initrdFile), { kind: 'initrd' }, async (path) => {
    const r = await makeInitrd(inputs, kernel, { compression: plan.compression });
    initrdResult = r;
    await writeImageFile(path, [r.bytes]);
  });
  const initrd = await readFile(join(outDir, initrdFile));

  // The initrd's SBOM (build.md §1); a reused initrd is assembled again in memory for its
  // file attribution, the digests are always those of the file on disk.
  await product(SBOM_NAME, keyOf(SBOM_NAME), { kind: 'sbom' }, async (path) => {
    const result =
      initrdResult ?? (await makeInitrd(inputs, kernel, { compression: plan.compression }));
    const text = await sbomText({
      inputs,
      initrdName: initrdFile,
      initrd,
      result,
      kernelComponent: kernelComp.name,
    });
    await writeImageFile(path, [Buffer.from(text)]);
  });

  const packName = updatePackName(strong);
  await product(packName, keyOf(packName), { kind: 'update-pack' }, async (path) => {
    await writeImageFile(
      path,
      updatePack({
        version: strong,
        initrdName: initrdFile,
        initrd,
        kernelName: `vmlinuz-${kernelComp.strongVersion}.xz`,
        kernel: kernelBytes,
        sourceDateEpoch: epoch,
      }),
    );
  });

  let loaders: LoaderFiles | undefined;
  const efiCache = new Map<string, Promise<Uint8Array>>();
  const efiLoader = (branch: Branch, files: LoaderFiles, variant: CloudVariant) => {
    let p = efiCache.get(`${branch.name}/${variant}`);
    if (!p) {
      p = buildEfiLoaderBytes(branch, inputs.config, files, variant);
      efiCache.set(`${branch.name}/${variant}`, p);
    }
    return p;
  };

  const images = plan.branches.flatMap((branch) =>
    plan.formats.map((format) => ({ branch, format })),
  );
  await pool(images, plan.jobs, async ({ branch, format }) => {
    const name = imageName(branch.name, strong, formatSuffix(format));
    const sign = signStep(signing, format, branch, strong);
    await product(
      name,
      sign?.key(keyOf(name)) ?? keyOf(name),
      { kind: 'image', branch: branch.name, format, ...sign?.manifest },
      (sign?.wrap ?? ((write) => write))(async (path) => {
        loaders ??= await loadLoaderFiles(inputs);
        const files = loaders;
        // Derived formats are an hdd of their boot variant (build.md §6), then wrapped.
        const variant = isDerived(format) ? DERIVED_VARIANT[format] : 'default';
        const tree = imageTree({
          branch,
          config: inputs.config,
          strong,
          kernel: kernelBytes,
          initrd,
          isolinuxBin: loaders.isolinuxBin,
          ldlinuxC32: loaders.ldlinuxC32,
          efiLoader: await efiLoader(branch, files, variant),
          variant,
        });
        if (!isDerived(format)) await writeImage(format, path, tree, files, epoch);
        else {
          const hdd = (raw: string) => writeImage('hdd', raw, tree, files, epoch);
          await writeDerived(format, path, hdd, epoch, { branch: branch.name, strong });
        }
      }),
    );
  });

  const m = manifest({
    inputs,
    plan,
    kernelVersion: kernel.version,
    kernelComponent: kernelComp.name,
    outputs,
    extraTools: {
      ucvm: CLI_VERSION,
      node: process.version,
      zlib: process.versions.zlib ?? 'unknown',
    },
  });
  const manifestText = `${JSON.stringify(m, null, 2)}\n`;
  await writeImageFile(join(outDir, MANIFEST_NAME), [Buffer.from(manifestText)]);
  await writeChecksum(
    outDir,
    MANIFEST_NAME,
    createHash('sha256').update(manifestText).digest('hex'),
  );
  // Records of products not selected this time stay: they are still verified before reuse.
  await writeState(outDir, { stateVersion: 1, outputs: { ...state.outputs, ...records } });
  return { outDir, manifest: m, built, reused, removedTemporaries };
}

/** BOOTX64.EFI with the branch's GRUB config embedded (build.md §6), built in a private temp dir. */
export async function buildEfiLoaderBytes(
  branch: Branch,
  config: UcvmConfig,
  files: LoaderFiles,
  variant: CloudVariant = 'default',
): Promise<Uint8Array> {
  const work = await mkdtemp(join(tmpdir(), 'ucvm-efi-'));
  try {
    const out = join(work, 'BOOTX64.EFI');
    await buildEfiLoader({
      grubDir: files.grubEfiDir,
      config: bootConfigs(branch, config, variant).grubEfi,
      outPath: out,
    });
    return await readFile(out);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
