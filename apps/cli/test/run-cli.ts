import { main } from '../src/main.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** The environment build tests give the CLI: the host's PATH, HOME and cache, a fixed epoch. */
export function buildTestEnv(epoch: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/root',
    ...(process.env.XDG_CACHE_HOME ? { XDG_CACHE_HOME: process.env.XDG_CACHE_HOME } : {}),
    SOURCE_DATE_EPOCH: epoch,
    ...extra,
  };
}

/** Runs the CLI in-process with captured output. */
export async function runCli(
  argv: string[],
  cwd = process.cwd(),
  env: NodeJS.ProcessEnv = {},
): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    isTty: false,
    cwd,
    env,
  });
  return { code, stdout, stderr };
}

/**
 * `ucvm build` arguments of a test build: the CernVM-FS stand-in, gzip (fast), branch prod
 * unless others are given, then the formats (default: the configured ones) and extra options.
 */
export function testBuildArgs(
  out: string,
  opts: {
    branches?: readonly string[];
    formats?: readonly string[];
    extra?: readonly string[];
  } = {},
): string[] {
  return [
    'build',
    '--cvmfs-standin',
    '--compression',
    'gzip',
    ...(opts.branches ?? ['prod']).flatMap((b) => ['--branch', b]),
    ...(opts.formats ?? []).flatMap((f) => ['--format', f]),
    '--out',
    out,
    ...(opts.extra ?? []),
  ];
}
