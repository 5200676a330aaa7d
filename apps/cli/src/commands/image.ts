import { mkdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { sha256File } from '@ucvm/components';
import type { Command } from 'commander';
import { imageTree } from '../build/image-tree.js';
import { prepareInputs } from '../build/inputs.js';
import { loadLoaderFiles } from '../build/loaders.js';
import { imageName, outputDirName } from '../build/names.js';
import { buildEfiLoaderBytes } from '../build/pipeline.js';
import { loadSigning, signStep } from '../build/sign-step.js';
import { STANDIN_WARNING } from '../build/standin.js';
import { writeChecksum } from '../build/state.js';
import { checkTools, TOOLS } from '../build/tools.js';
import { BASE_FORMATS, type BaseFormat, writeImage } from '../build/write-image.js';
import { CliError } from '../errors.js';
import type { CliIo } from '../io.js';
import { selectBranches } from './build.js';
import { componentInputOptions } from './options.js';

interface ImageOptions {
  config?: string;
  branch?: string;
  format?: string;
  initrd?: string;
  kernel?: string;
  out?: string;
  component: string[];
  cacheDir?: string;
  cvmfsStandin?: boolean;
  json?: boolean;
}

async function readInput(io: CliIo, path: string | undefined, what: string): Promise<Uint8Array> {
  if (!path) {
    throw new CliError(
      'E_USAGE',
      `--${what} FILE is required`,
      `give the ${what} to put into the image`,
      2,
    );
  }
  try {
    return await readFile(resolve(io.cwd, path));
  } catch (e) {
    throw new CliError(
      'E_INPUT',
      `cannot read --${what} ${path}: ${(e as Error).message}`,
      `build it first (ucvm ${what === 'initrd' ? 'initrd' : 'fetch'}) or fix the path`,
      2,
    );
  }
}

/** `ucvm image` (build.md §8): one image of one branch from an existing initrd and kernel. */
export function registerImage(program: Command, io: CliIo): void {
  componentInputOptions(program.command('image'))
    .description('write one image (one branch, one format) from an existing initrd and kernel')
    .option('--branch <name>', 'the branch (default: the first configured)')
    .option('--format <name>', `the format: ${BASE_FORMATS.join(', ')} (default iso)`)
    .option('--initrd <file>', 'the init ramdisk (e.g. from ucvm initrd)')
    .option('--kernel <file>', 'the kernel image (bzImage)')
    .option(
      '--out <path>',
      'output file, or an existing directory (default: <outDir>/ucernvm-images.<strong>/)',
    )
    .option(
      '--cvmfs-standin',
      'the initrd was built with the CernVM-FS TEST STAND-IN (names carry .cvmfs-standin)',
    )
    .option('--json', 'print the result as JSON')
    .action(async (opts: ImageOptions) => {
      const format = (opts.format ?? 'iso') as BaseFormat;
      if (!(BASE_FORMATS as readonly string[]).includes(format)) {
        throw new CliError(
          'E_UNKNOWN_FORMAT',
          `--format ${JSON.stringify(opts.format)} cannot be written by ucvm image`,
          `use one of: ${BASE_FORMATS.join(', ')}`,
          2,
        );
      }
      const initrd = await readInput(io, opts.initrd, 'initrd');
      const kernel = await readInput(io, opts.kernel, 'kernel');
      if (opts.cvmfsStandin) io.stderr(`${STANDIN_WARNING}\n`);
      const inputs = await prepareInputs(io, {
        ...(opts.config ? { config: opts.config } : {}),
        component: opts.component,
        ...(opts.cacheDir ? { cacheDir: opts.cacheDir } : {}),
        cvmfsStandin: false,
        roles: ['bootloader'],
        beforeFetch: async () => {
          await checkTools(
            format === 'hdd' ? [TOOLS.syslinux, TOOLS.grubMkimage] : [TOOLS.grubMkimage],
            io.env,
          );
        },
      });
      const strong = opts.cvmfsStandin ? `${inputs.strong}.cvmfs-standin` : inputs.strong;
      const [branch] = selectBranches(inputs.config, opts.branch ? [opts.branch] : []);
      if (!branch)
        throw new CliError('E_NO_BRANCH', 'the configuration has no branches', 'add a branch', 2);
      const name = imageName(branch.name, strong, format);
      let out: string;
      if (opts.out) {
        const p = resolve(io.cwd, opts.out);
        const st = await stat(p).catch(() => undefined);
        out = st?.isDirectory() ? join(p, name) : p;
      } else {
        out = join(
          resolve(inputs.loaded.baseDir, inputs.config.outDir),
          outputDirName(strong),
          name,
        );
      }
      await mkdir(dirname(out), { recursive: true });
      const loaders = await loadLoaderFiles(inputs);
      const tree = imageTree({
        branch,
        config: inputs.config,
        strong,
        kernel,
        initrd,
        isolinuxBin: loaders.isolinuxBin,
        ldlinuxC32: loaders.ldlinuxC32,
        efiLoader: await buildEfiLoaderBytes(branch, inputs.config, loaders),
      });
      // A configured signer signs iso and hdd here exactly as in `ucvm build` (build.md §7).
      const sign = signStep(await loadSigning(inputs.loaded), format, branch, strong);
      const write = (path: string) =>
        writeImage(format, path, tree, loaders, inputs.sourceDateEpoch);
      await (sign ? sign.wrap(write) : write)(out);
      const sum = await sha256File(out);
      await writeChecksum(dirname(out), basename(out), sum.sha256);
      const result = {
        event: 'result',
        path: out,
        branch: branch.name,
        format,
        size: sum.size,
        sha256: sum.sha256,
        ...(sign ? sign.manifest : {}),
      };
      io.stdout(
        opts.json
          ? `${JSON.stringify(result)}\n`
          : `wrote ${out}: ${sum.size} bytes, sha256 ${sum.sha256}\n`,
      );
    });
}
