#!/usr/bin/env node
// `pnpm ucvm …` from the repository root: build the CLI and what it depends on (turbo makes a
// second run a cache hit), then run it. Build output goes to stderr only when the build fails,
// so that `--json` output on stdout stays clean.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const build = spawnSync(
  'pnpm',
  ['exec', 'turbo', 'run', 'build', '--filter=@ucvm/cli...', '--output-logs=errors-only'],
  {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1', DO_NOT_TRACK: '1' },
  },
);
if (build.status !== 0) {
  process.stderr.write(build.stdout ?? '');
  process.stderr.write(build.stderr ?? '');
  process.stderr.write('ucvm: building the CLI failed (output above)\n');
  process.exit(1);
}
const { main, processIo } = await import(pathToFileURL(join(root, 'apps/cli/dist/index.js')).href);
// pnpm runs scripts from the repository root; INIT_CWD is where the user typed the command.
// biome-ignore lint/suspicious/noUndeclaredEnvVars: set by pnpm, never a turbo task input
const io = { ...processIo(), cwd: process.env.INIT_CWD ?? process.cwd() };
process.exitCode = await main(process.argv.slice(2), io);
