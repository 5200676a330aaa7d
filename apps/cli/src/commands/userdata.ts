import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  formatWarnings,
  type ParseResult,
  parseUserData,
  renderBlock,
  serializeUcontext,
  toCanonicalJson,
} from '@ucvm/userdata';
import type { Command } from 'commander';
import type { CliIo } from '../io.js';
import { CommandFailed } from '../main.js';
import { readInputFile } from '../read-input.js';
import { collect } from './options.js';

export function registerUserdata(program: Command, io: CliIo): void {
  const userdata = program
    .command('userdata')
    .description('lint, render and extract µCernVM user data ([ucernvm-begin] blocks)');

  userdata
    .command('validate')
    .description('parse user data as the init would; exit 1 if it draws any warning')
    .argument('<file>', "user-data file ('-' for standard input)")
    .option('--extra <file>', 'extra user data chunk (repeatable, in order)', collect, [])
    .option('--json', 'print the canonical JSON result instead of text')
    .action(async (file: string, opts: { extra: string[]; json?: boolean }) => {
      const result = await parseFiles(io, file, opts.extra);
      if (opts.json) io.stdout(toCanonicalJson(result));
      else io.stdout(describe(result));
      if (result.warnings.length > 0) {
        if (!opts.json)
          io.stderr(
            `ucvm: ${result.warnings.length} warning(s): the init would ignore the lines named above\n`,
          );
        throw new CommandFailed(1);
      }
    });

  userdata
    .command('render')
    .description('write a [ucernvm-begin] block from key=value pairs')
    .argument('<pairs...>', 'key=value (the value may be empty; it is written verbatim)')
    .action((pairs: string[]) => {
      const entries = pairs.map((pair): [string, string] => {
        const eq = pair.indexOf('=');
        if (eq < 0) return [pair, ''];
        return [pair.slice(0, eq), pair.slice(eq + 1)];
      });
      // renderBlock validates keys and values and throws a UserdataError naming the bad one.
      io.stdout(renderBlock(entries));
    });

  userdata
    .command('extract')
    .description('show what the init would read from this user data (ucontext form, or --json)')
    .argument('<file>', "user-data file ('-' for standard input)")
    .option('--extra <file>', 'extra user data chunk (repeatable, in order)', collect, [])
    .option('--json', 'print the canonical JSON (ucontext.json)')
    .option(
      '--out <dir>',
      'write ucontext, extra-ucontext, ucontext.json, warnings (and extra-user-data) into DIR',
    )
    .action(async (file: string, opts: { extra: string[]; json?: boolean; out?: string }) => {
      const result = await parseFiles(io, file, opts.extra);
      if (opts.out) await writeOutputs(resolve(io.cwd, opts.out), result);
      if (opts.json) io.stdout(toCanonicalJson(result));
      else if (!opts.out) io.stdout(serializeUcontext(result.effective));
    });
}

async function parseFiles(io: CliIo, file: string, extraFiles: string[]): Promise<ParseResult> {
  const user = await readInputFile(io.cwd, file);
  const extra = await Promise.all(extraFiles.map((f) => readInputFile(io.cwd, f)));
  return parseUserData(extra.length > 0 ? { user, extra } : { user });
}

/** Human report: every value printed as a JSON string, so hostile bytes show as data. */
function describe(result: ParseResult): string {
  const lines: string[] = [];
  lines.push(
    `blocks: user ${result.user.blocks}, extra ${result.extra.blocks}${result.user.glideinwms ? ' (glideinWMS payload decoded)' : ''}`,
  );
  if (result.effective.size === 0) lines.push('keys: none');
  else {
    lines.push('keys:');
    for (const [key, value] of [...result.effective].sort(([a], [b]) =>
      a < b ? -1 : a > b ? 1 : 0,
    )) {
      const from = result.extra.keys.has(key) ? ' (extra)' : '';
      lines.push(`  ${key} = ${JSON.stringify(value)}${from}`);
    }
  }
  for (const w of result.warnings) {
    lines.push(`warning: ${w.code} in ${w.input} data, part ${w.part}, line ${w.line}`);
  }
  return `${lines.join('\n')}\n`;
}

async function writeOutputs(dir: string, result: ParseResult): Promise<void> {
  await mkdir(dir, { recursive: true });
  const files: [string, string | Uint8Array][] = [
    ['ucontext', serializeUcontext(result.user.keys)],
    ['extra-ucontext', serializeUcontext(result.extra.keys)],
    ['ucontext.json', toCanonicalJson(result)],
    ['warnings', formatWarnings(result)],
  ];
  if (result.extraUserData) files.push(['extra-user-data', result.extraUserData]);
  for (const [name, data] of files) {
    // Temporary name + rename: a reader never sees half a file.
    const tmp = join(dir, `.${name}.tmp-${process.pid}`);
    await writeFile(tmp, data);
    await rename(tmp, join(dir, name));
  }
}
