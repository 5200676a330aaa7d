import { dirname, join, resolve } from 'node:path';
import {
  type ComponentRow,
  defaultCacheDir,
  type FetchEvent,
  fetchComponents,
  LOCKFILE_NAME,
  type LoadedConfig,
  listComponents,
  loadConfig,
  parseOverrides,
  readLockfile,
  writeLockfile,
} from '@ucvm/components';
import type { Command } from 'commander';
import type { CliIo } from '../io.js';
import { CommandFailed } from '../main.js';
import { collect, componentInputOptions } from './options.js';

interface CommonOpts {
  config?: string;
  lock?: string;
  json?: boolean;
}

/** `ucvm components` and `ucvm fetch` (build.md §8). */
export function registerComponents(program: Command, io: CliIo): void {
  program
    .command('components')
    .description('list every component: version, release, strong version, source and digest')
    .option('--config <file>', 'configuration file (default: ucvm.config.* here, else built in)')
    .option('--lock <file>', `lock file (default: ${LOCKFILE_NAME} beside the config)`)
    .option('--json', 'print JSON')
    .action(async (opts: CommonOpts) => {
      const loaded = await loadConfig(
        opts.config ? { path: opts.config, cwd: io.cwd } : { cwd: io.cwd },
      );
      const lock = await readLockfile(lockPath(io, loaded, opts.lock));
      const rows = listComponents(loaded.config, lock);
      if (opts.json)
        io.stdout(`${JSON.stringify({ config: loaded.file, components: rows }, null, 2)}\n`);
      else io.stdout(table(rows));
    });

  componentInputOptions(program.command('fetch'))
    .description(
      'resolve, download and verify every component into the cache; record digests in the lock file',
    )
    .option('--lock <file>', `lock file (default: ${LOCKFILE_NAME} beside the config)`)
    .option(
      '--update-lock',
      're-resolve every component and rewrite its lock entry (after moving a pin)',
    )
    .option(
      '--skip <name>',
      'do not fetch this component (repeatable); reported as skipped',
      collect,
      [],
    )
    .option('--json', 'JSON lines (one event per line) instead of text')
    .action(
      async (
        opts: CommonOpts & {
          cacheDir?: string;
          updateLock?: boolean;
          component: string[];
          skip: string[];
        },
      ) => {
        const loaded = await loadConfig(
          opts.config ? { path: opts.config, cwd: io.cwd } : { cwd: io.cwd },
        );
        const lockFile = lockPath(io, loaded, opts.lock);
        const lock = await readLockfile(lockFile);
        // Command-line paths are relative to where the command runs, not to the config.
        const overrides = Object.fromEntries(
          Object.entries(parseOverrides(opts.component, loaded.config)).map(([k, v]) => [
            k,
            resolve(io.cwd, v),
          ]),
        );
        const cacheDir = opts.cacheDir ? resolve(io.cwd, opts.cacheDir) : defaultCacheDir(io.env);
        const render = opts.json ? jsonRenderer(io) : textRenderer(io);
        const result = await fetchComponents(loaded.config, {
          cacheDir,
          baseDir: loaded.baseDir,
          lock,
          updateLock: Boolean(opts.updateLock),
          overrides,
          skip: opts.skip,
          onEvent: render,
        });
        if (result.lockChanged) await writeLockfile(lockFile, result.lock);
        const summary = {
          type: 'summary',
          fetched: result.components.length,
          downloaded: result.components.filter((c) => c.downloaded).length,
          skipped: result.skipped,
          failed: result.failures.map((f) => f.component),
          lockFile,
          lockWritten: result.lockChanged,
          cacheDir,
        };
        if (opts.json) io.stdout(`${JSON.stringify(summary)}\n`);
        else {
          let text = `${summary.fetched} component(s) ready (${summary.downloaded} downloaded) in ${cacheDir}\n`;
          if (result.lockChanged) text += `wrote ${lockFile}\n`;
          if (result.skipped.length > 0)
            text += `skipped (not fetched): ${result.skipped.join(', ')}\n`;
          io.stderr(text);
        }
        if (result.failures.length > 0) {
          if (!opts.json)
            io.stderr(
              `ucvm: ${result.failures.length} component(s) failed: ${summary.failed.join(', ')}\n`,
            );
          throw new CommandFailed(result.failures.some((f) => f.error.exitCode === 2) ? 2 : 1);
        }
      },
    );
}

function lockPath(io: CliIo, loaded: LoadedConfig, given: string | undefined): string {
  if (given) return resolve(io.cwd, given);
  return join(loaded.file ? dirname(loaded.file) : io.cwd, LOCKFILE_NAME);
}

function table(rows: ComponentRow[]): string {
  const head = ['NAME', 'VERSION', 'REL', 'STRONG VERSION', 'SOURCE', 'SHA256'];
  const cells = rows.map((r) => [
    r.name,
    r.version,
    String(r.release),
    r.strongVersion,
    r.source,
    r.sha256
      ? `${r.sha256}${r.digestFrom === 'lock' ? '' : ` (${r.digestFrom})`}`
      : r.lockStale
        ? '- (lock entry stale: ucvm fetch --update-lock)'
        : '- (not fetched yet)',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) =>
    c.map((x, i) => (i === c.length - 1 ? x : x.padEnd(widths[i]!))).join('  ');
  return `${[line(head), ...cells.map(line)].join('\n')}\n`;
}

const MiB = 1024 * 1024;

function textRenderer(io: CliIo): (e: FetchEvent) => void {
  const lastShown = new Map<string, number>();
  return (e) => {
    switch (e.type) {
      case 'done':
        io.stderr(
          `${e.downloaded ? 'get ' : 'ok  '} ${e.component} (${(e.size / MiB).toFixed(1)} MiB, ${e.origin === 'override' ? 'local, from --component' : e.downloaded ? 'verified' : 'cached'})\n`,
        );
        break;
      case 'progress': {
        // Only big downloads on a terminal, at most every 10 %.
        if (!io.isTty || !e.total || e.total < 4 * MiB) break;
        const step = Math.floor((e.received / e.total) * 10);
        if (step > (lastShown.get(e.component) ?? 0) && step < 10) {
          lastShown.set(e.component, step);
          io.stderr(`     ${e.component}: ${step * 10}% of ${(e.total / MiB).toFixed(1)} MiB\n`);
        }
        break;
      }
      case 'retry':
        io.stderr(`     ${e.component}: retry ${e.attempt} after: ${e.message}\n`);
        break;
      case 'skipped':
        io.stderr(`skip ${e.component} (${e.reason})\n`);
        break;
      case 'failed':
        io.stderr(
          `FAIL ${e.component}: [${e.error.code}] ${e.error.message}\n${e.error.hint ? `     hint: ${e.error.hint}\n` : ''}`,
        );
        break;
      case 'start':
        break;
    }
  };
}

function jsonRenderer(io: CliIo): (e: FetchEvent) => void {
  return (e) => {
    const line =
      e.type === 'failed'
        ? {
            type: e.type,
            component: e.component,
            code: e.error.code,
            message: e.error.message,
            hint: e.error.hint ?? null,
          }
        : e;
    io.stdout(`${JSON.stringify(line)}\n`);
  };
}
