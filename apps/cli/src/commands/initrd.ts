import { mkdir, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import {
  componentTree,
  defaultCacheDir,
  fetchComponents,
  LOCKFILE_NAME,
  loadConfig,
  parseOverrides,
  readLockfile,
  strongVersion,
} from '@ucvm/components';
import {
  buildInitrd,
  DEFAULT_INITRD_MODULES,
  type InitrdComponent,
  parseCompression,
} from '@ucvm/initrd';
import { locateKernel, moduleClosure } from '@ucvm/kernel-fetch';
import type { Command } from 'commander';
import { CliError } from '../errors.js';
import type { CliIo } from '../io.js';

const collect = (value: string, previous: string[]): string[] => [...previous, value];

interface InitrdOptions {
  config?: string;
  out?: string;
  compression?: string;
  component: string[];
  cacheDir?: string;
  json?: boolean;
}

/** `ucvm initrd` (build.md §8): fetch the components and build only the init ramdisk. */
export function registerInitrd(program: Command, io: CliIo): void {
  program
    .command('initrd')
    .description(
      'build only the init ramdisk initrd.<strong> (SOURCE_DATE_EPOCH sets all times; default 0)',
    )
    .option(
      '--config <file>',
      'configuration file (default: ucvm.config.* in the working directory, else built in)',
    )
    .option(
      '--out <path>',
      'output file, or an existing directory (default: <outDir>/ucernvm-images.<strong>/initrd.<strong>)',
    )
    .option('--compression <kind>', 'xz (default, CRC32 check), gzip, zstd or none')
    .option(
      '--component <name=path>',
      'use a local file or directory for a component (repeatable)',
      collect,
      [],
    )
    .option('--cache-dir <dir>', 'download and tree cache (default: the user cache directory)')
    .option('--json', 'print JSON lines (progress events and the result)')
    .action(async (opts: InitrdOptions) => {
      const emit = (obj: object, text: string) =>
        io.stdout(opts.json ? `${JSON.stringify(obj)}\n` : text);
      const epochText = io.env.SOURCE_DATE_EPOCH ?? '0';
      if (!/^\d+$/.test(epochText)) {
        throw new CliError(
          'E_SOURCE_DATE_EPOCH',
          `SOURCE_DATE_EPOCH=${JSON.stringify(epochText)} is not whole seconds`,
          'export SOURCE_DATE_EPOCH=$(git log -1 --format=%ct)',
          2,
        );
      }
      const loaded = await loadConfig(
        opts.config ? { path: opts.config, cwd: io.cwd } : { cwd: io.cwd },
      );
      const { config } = loaded;
      const compression = parseCompression(opts.compression ?? config.compression);
      const strong = strongVersion(config.version, config.release, config.arch);
      const cacheDir = opts.cacheDir ? resolve(io.cwd, opts.cacheDir) : defaultCacheDir(io.env);

      const wanted = config.components.filter(
        (c) => c.role === 'initrd' || c.role === 'cvmfs' || c.role === 'kernel',
      );
      const skip = config.components.filter((c) => !wanted.includes(c)).map((c) => c.name);
      const fetched = await fetchComponents(config, {
        cacheDir,
        baseDir: loaded.baseDir,
        lock: await readLockfile(join(loaded.baseDir, LOCKFILE_NAME)),
        overrides: parseOverrides(opts.component, config),
        skip,
        onEvent: (e) => {
          if (e.type === 'done')
            emit(
              { event: 'fetched', component: e.component, sha256: e.sha256 },
              `fetched ${e.component}\n`,
            );
        },
      });
      if (fetched.failures.length > 0) {
        for (const f of fetched.failures)
          io.stderr(
            `ucvm: ${f.component}: ${f.error.message}\n${f.error.hint ? `  hint: ${f.error.hint}\n` : ''}`,
          );
        throw new CliError(
          'E_FETCH',
          `${fetched.failures.length} component(s) could not be fetched`,
          'see the messages above',
          1,
        );
      }

      const components: InitrdComponent[] = [];
      let kernelRoot: string | undefined;
      for (const c of fetched.components) {
        const root = await componentTree(c, cacheDir);
        if (c.role === 'kernel') kernelRoot = root;
        else components.push({ name: c.name, root, files: c.initrd });
      }
      if (kernelRoot === undefined) {
        throw new CliError(
          'E_NO_KERNEL',
          'the configuration has no component with role "kernel"',
          'add the kernel package to the components',
          2,
        );
      }
      const kernel = await locateKernel(kernelRoot);
      const closure = moduleClosure(kernel.index, [...DEFAULT_INITRD_MODULES]);

      const out = await outputPath(
        opts.out,
        io.cwd,
        resolve(loaded.baseDir, config.outDir),
        strong,
      );
      await mkdir(dirname(out), { recursive: true });
      const result = await buildInitrd({
        components,
        kernel,
        modules: closure.modules,
        strongVersion: strong,
        sourceDateEpoch: Number(epochText),
        compression,
        arch: config.arch,
        out,
        onProgress: (e) =>
          emit(
            { event: 'initrd', ...e },
            `initrd: ${e.step}${'component' in e ? ` ${e.component}` : e.detail ? ` ${e.detail}` : ''}\n`,
          ),
      });
      const summary = {
        event: 'result',
        path: out,
        strongVersion: strong,
        compression: result.compression,
        tool: result.tool,
        cpioSize: result.cpioSize,
        compressedSize: result.compressedSize,
        components: result.components,
        modules: result.modules?.names ?? [],
      };
      emit(
        summary,
        `wrote ${out}: ${result.compressedSize} bytes (${result.compression}, ${result.tool}), cpio ${result.cpioSize} bytes, ${result.modules?.names.length ?? 0} modules\n`,
      );
    });
}

async function outputPath(
  out: string | undefined,
  cwd: string,
  outDir: string,
  strong: string,
): Promise<string> {
  const name = `initrd.${strong}`;
  if (out === undefined) return join(outDir, `ucernvm-images.${strong}`, name);
  const path = resolve(cwd, out);
  const st = await stat(path).catch(() => undefined);
  return st?.isDirectory() ? join(path, name) : path;
}
