import { mkdir, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { parseCompression } from '@ucvm/initrd';
import type { Command } from 'commander';
import { loadKernel, makeInitrd } from '../build/initrd-step.js';
import { prepareInputs } from '../build/inputs.js';
import { initrdName, outputDirName } from '../build/names.js';
import { STANDIN_WARNING } from '../build/standin.js';
import type { CliIo } from '../io.js';
import { componentInputOptions } from './options.js';

interface InitrdOptions {
  config?: string;
  out?: string;
  compression?: string;
  component: string[];
  cacheDir?: string;
  json?: boolean;
  cvmfsStandin?: boolean;
}

/** `ucvm initrd` (build.md §8): fetch the components and build only the init ramdisk. */
export function registerInitrd(program: Command, io: CliIo): void {
  componentInputOptions(program.command('initrd'))
    .description(
      'build only the init ramdisk initrd.<strong> (SOURCE_DATE_EPOCH sets all times; default 0)',
    )
    .option(
      '--out <path>',
      'output file, or an existing directory (default: <outDir>/ucernvm-images.<strong>/initrd.<strong>)',
    )
    .option('--compression <kind>', 'xz (default, CRC32 check), gzip, zstd or none')
    .option(
      '--cvmfs-standin',
      'use the CernVM-FS TEST STAND-IN from a source checkout (the name carries .cvmfs-standin; not for production)',
    )
    .option('--json', 'print JSON lines (progress events and the result)')
    .action(async (opts: InitrdOptions) => {
      const emit = (obj: object, text: string) =>
        io.stdout(opts.json ? `${JSON.stringify(obj)}\n` : text);
      if (opts.cvmfsStandin) io.stderr(`${STANDIN_WARNING}\n`);
      const inputs = await prepareInputs(io, {
        ...(opts.config ? { config: opts.config } : {}),
        component: opts.component,
        ...(opts.cacheDir ? { cacheDir: opts.cacheDir } : {}),
        cvmfsStandin: Boolean(opts.cvmfsStandin),
        roles: ['initrd', 'cvmfs', 'kernel'],
        // A bad --compression is a usage error before anything is fetched.
        beforeFetch: async (config) => {
          parseCompression(opts.compression ?? config.compression);
        },
        onFetch: (e) => {
          if (e.type === 'done')
            emit(
              { event: 'fetched', component: e.component, sha256: e.sha256 },
              `fetched ${e.component}\n`,
            );
        },
      });
      const { config, loaded, strong } = inputs;
      const compression = parseCompression(opts.compression ?? config.compression);
      const kernel = await loadKernel(inputs);

      const out = await outputPath(
        opts.out,
        io.cwd,
        resolve(loaded.baseDir, config.outDir),
        strong,
      );
      await mkdir(dirname(out), { recursive: true });
      const result = await makeInitrd(inputs, kernel, {
        compression,
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
        { ...summary, cvmfsStandin: inputs.cvmfsStandin },
        `${inputs.cvmfsStandin ? `${STANDIN_WARNING}\n` : ''}wrote ${out}: ${result.compressedSize} bytes (${result.compression}, ${result.tool}), cpio ${result.cpioSize} bytes, ${result.modules?.names.length ?? 0} modules\n`,
      );
    });
}

async function outputPath(
  out: string | undefined,
  cwd: string,
  outDir: string,
  strong: string,
): Promise<string> {
  const name = initrdName(strong);
  if (out === undefined) return join(outDir, outputDirName(strong), name);
  const path = resolve(cwd, out);
  const st = await stat(path).catch(() => undefined);
  return st?.isDirectory() ? join(path, name) : path;
}
