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
