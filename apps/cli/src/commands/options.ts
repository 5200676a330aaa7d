import type { Command } from 'commander';

/** Commander accumulator for repeatable options. */
export const collect = (value: string, previous: string[]): string[] => [...previous, value];

/**
 * The options every command that resolves components takes (build.md §3, §4): the
 * configuration file, local overrides of component sources, and the cache directory.
 */
export function componentInputOptions(cmd: Command): Command {
  return cmd
    .option('--config <file>', 'configuration file (default: ucvm.config.* here, else built in)')
    .option(
      '--component <name=path>',
      'use a local file or directory for a component (repeatable), e.g. cvmfs=./cvmfs.deb',
      collect,
      [],
    )
    .option(
      '--cache-dir <dir>',
      'download and tree cache (default: $XDG_CACHE_HOME/ucvm or ~/.cache/ucvm)',
    );
}
