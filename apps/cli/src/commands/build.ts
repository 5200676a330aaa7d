import { resolve } from 'node:path';
import { type Branch, IMAGE_FORMATS, type UcvmConfig } from '@ucvm/components';
import { parseCompression } from '@ucvm/initrd';
import type { Command } from 'commander';
import { type BuildFormat, DERIVED_FORMATS, QEMU_IMG_DERIVED } from '../build/derived.js';
import { prepareInputs } from '../build/inputs.js';
import { runBuild } from '../build/pipeline.js';
import { ProgressRenderer } from '../build/progress.js';
import { STANDIN_WARNING } from '../build/standin.js';
import { checkTools, type HostTool, TOOLS } from '../build/tools.js';
import { BASE_FORMATS } from '../build/write-image.js';
import { CliError } from '../errors.js';
import type { CliIo } from '../io.js';
import { collect, componentInputOptions } from './options.js';

interface BuildOptions {
  config?: string;
  branch: string[];
  format: string[];
  jobs?: string;
  out?: string;
  json?: boolean;
  component: string[];
  cacheDir?: string;
  compression?: string;
  cvmfsStandin?: boolean;
}

/** The branches to build: `--branch` values (each must exist) or all configured ones. */
export function selectBranches(config: UcvmConfig, names: readonly string[]): Branch[] {
  if (names.length === 0) return config.branches;
  return [...new Set(names)].map((n) => {
    const b = config.branches.find((x) => x.name === n);
    if (!b) {
      throw new CliError(
        'E_UNKNOWN_BRANCH',
        `--branch ${JSON.stringify(n)} is not a configured branch`,
        `use one of: ${config.branches.map((x) => x.name).join(', ')}`,
        2,
      );
    }
    return b;
  });
}

/** The formats to write, in writing order; an unknown name is a usage error. */
export function selectFormats(config: UcvmConfig, names: readonly string[]): BuildFormat[] {
  const wanted = names.length > 0 ? [...new Set(names)] : config.formats;
  const known: readonly string[] = [...BASE_FORMATS, ...DERIVED_FORMATS];
  for (const f of wanted) {
    if (!(IMAGE_FORMATS as readonly string[]).includes(f) || !known.includes(f)) {
      throw new CliError(
        'E_UNKNOWN_FORMAT',
        `--format ${JSON.stringify(f)} is not an image format`,
        `use one of: ${IMAGE_FORMATS.join(', ')}`,
        2,
      );
    }
  }
  return [...BASE_FORMATS, ...DERIVED_FORMATS].filter((f) => wanted.includes(f));
}

export function parseJobs(text: string | undefined): number {
  if (text === undefined) return 2;
  if (!/^[1-9]\d*$/.test(text)) {
    throw new CliError(
      'E_JOBS',
      `--jobs ${JSON.stringify(text)} is not a positive whole number`,
      'e.g. --jobs 2',
      2,
    );
  }
  return Number(text);
}

/** Tools needed for these formats and this compression (build.md §7: checked at start). */
export function neededTools(formats: readonly BuildFormat[], compression: string): HostTool[] {
  const tools: HostTool[] = [];
  // Every derived format starts as an hdd (build/derived.ts).
  if (formats.some((f) => f === 'hdd' || (DERIVED_FORMATS as readonly string[]).includes(f)))
    tools.push(TOOLS.syslinux);
  if (formats.some((f) => (QEMU_IMG_DERIVED as readonly string[]).includes(f)))
    tools.push(TOOLS.qemuImg);
  if (formats.length > 0) tools.push(TOOLS.grubMkimage); // every tree carries EFI/BOOT/BOOTX64.EFI
  if (compression === 'xz') tools.push(TOOLS.xz);
  if (compression === 'zstd') tools.push(TOOLS.zstd);
  return tools;
}

/** `ucvm build` (build.md §8): every configured branch × format, the initrd and kernel shared. */
export function registerBuild(program: Command, io: CliIo): void {
  componentInputOptions(program.command('build'))
    .description(
      'build the initrd, the update pack and the images of the configured branches and formats into <outDir>/ucernvm-images.<strong>/ (SOURCE_DATE_EPOCH sets all times; default 0)',
    )
    .option(
      '--branch <name>',
      'build this branch (repeatable; default: all configured)',
      collect,
      [],
    )
    .option(
      '--format <name>',
      'write this format (repeatable; default: the configured formats)',
      collect,
      [],
    )
    .option('--jobs <n>', 'images written in parallel (default 2)')
    .option('--out <dir>', 'output root instead of the configured outDir')
    .option('--compression <kind>', 'initrd compression: xz (default), gzip, zstd or none')
    .option(
      '--cvmfs-standin',
      'use the CernVM-FS TEST STAND-IN from a source checkout instead of the client (names carry .cvmfs-standin; not for production)',
    )
    .option('--json', 'print JSON lines (progress events and the result)')
    .action(async (opts: BuildOptions) => {
      const progress = new ProgressRenderer(io, Boolean(opts.json));
      const jobs = parseJobs(opts.jobs);
      let tools: Record<string, string> = {};
      if (opts.cvmfsStandin) progress.emit({ event: 'warning', message: STANDIN_WARNING });
      const inputs = await prepareInputs(io, {
        ...(opts.config ? { config: opts.config } : {}),
        component: opts.component,
        ...(opts.cacheDir ? { cacheDir: opts.cacheDir } : {}),
        cvmfsStandin: Boolean(opts.cvmfsStandin),
        roles: ['initrd', 'cvmfs', 'kernel', 'bootloader'],
        beforeFetch: async (config) => {
          // Selections and host tools are checked before anything is fetched (build.md §7).
          selectBranches(config, opts.branch);
          const formats = selectFormats(config, opts.format);
          const compression = parseCompression(opts.compression ?? config.compression);
          tools = await checkTools(neededTools(formats, compression), io.env);
        },
        onFetch: (e) => {
          if (e.type === 'done' && opts.json) {
            io.stdout(
              `${JSON.stringify({ event: 'fetched', component: e.component, sha256: e.sha256 })}\n`,
            );
          }
        },
      });
      const { config } = inputs;
      const branches = selectBranches(config, opts.branch);
      const formats = selectFormats(config, opts.format);
      const compression = parseCompression(opts.compression ?? config.compression);
      const outRoot = opts.out
        ? resolve(io.cwd, opts.out)
        : resolve(inputs.loaded.baseDir, config.outDir);
      const result = await runBuild({
        inputs,
        branches,
        formats,
        compression,
        jobs,
        outRoot,
        tools,
        emit: progress.emit,
      });
      const total = result.built.length + result.reused.length;
      const summary =
        result.built.length === 0
          ? `nothing changed: reused all ${total} outputs`
          : `built ${result.built.length}, reused ${result.reused.length} of ${total} outputs`;
      if (opts.json) {
        io.stdout(
          `${JSON.stringify({ event: 'result', outDir: result.outDir, built: result.built, reused: result.reused, cvmfsStandin: inputs.cvmfsStandin, outputs: result.manifest.outputs })}\n`,
        );
      } else {
        progress.line(`${summary} in ${result.outDir}`);
        if (inputs.cvmfsStandin) progress.line(STANDIN_WARNING);
      }
    });
}
