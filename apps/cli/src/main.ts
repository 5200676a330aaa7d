import { Command, CommanderError } from 'commander';
import { registerCommands } from './commands/index.js';
import { renderError } from './errors.js';
import { type CliIo, processIo } from './io.js';
import { CLI_VERSION } from './version.js';

/** Builds the command tree. Exported for tests and for `--help` generation. */
export function createProgram(io: CliIo): Command {
  const program = new Command('ucvm')
    .description(
      'Build µCernVM boot images: init ramdisk, ISO, hard disk and FAT images per branch',
    )
    .version(CLI_VERSION, '-V, --version')
    .option('--debug', 'print stack traces on errors')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({
      writeOut: (s) => io.stdout(s),
      writeErr: (s) => io.stderr(s),
    })
    .exitOverride();
  registerCommands(program, io);
  // Every subcommand reports usage errors through the same exit path.
  for (const cmd of allCommands(program)) {
    cmd
      .exitOverride()
      .configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.stderr(s) });
  }
  return program;
}

function allCommands(cmd: Command): Command[] {
  return cmd.commands.flatMap((c) => [c, ...allCommands(c)]);
}

/** Runs the CLI and returns the exit code (0 success, 1 build failure, 2 usage/config error). */
export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  const program = createProgram(io);
  const debug = argv.includes('--debug');
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end through here with code 0.
      if (err.exitCode === 0) return 0;
      return 2;
    }
    if (err instanceof CommandFailed) return err.exitCode;
    const { text, exitCode } = renderError(err, debug);
    io.stderr(text);
    return exitCode;
  }
}

/** Thrown by a command that already printed its own report and only needs an exit code. */
export class CommandFailed extends Error {
  constructor(readonly exitCode: 1 | 2) {
    super(`command failed with exit code ${exitCode}`);
  }
}
