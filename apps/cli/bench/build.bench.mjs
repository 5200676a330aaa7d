#!/usr/bin/env node
// `pnpm bench` (turbo, after build): the full default `ucvm build --cvmfs-standin` (9 branches
// × iso/hdd/fat, xz initrd) cold and warm, and the cost of one extra branch. Runs the built CLI
// (dist/cli.js) from the repository root, so the built-in config and ./ucvm.lock are used.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultCacheDir, defaultConfig } from '@ucvm/components';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..', '..');
const cli = join(here, '..', 'dist', 'cli.js');
const EPOCH = '1700000000';
const DEADLINE_MS = 900_000; // one build; a full xz build takes well under a minute here

const work = mkdtempSync(join(tmpdir(), 'ucvm-build-bench-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));

/** Runs `ucvm build --cvmfs-standin --json …`; returns seconds and the result event. */
function build(args) {
  const argv = [cli, 'build', '--cvmfs-standin', '--json', ...args];
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, argv, {
      cwd: root,
      env: { ...process.env, SOURCE_DATE_EPOCH: EPOCH },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: DEADLINE_MS,
      killSignal: 'SIGKILL',
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      err += d;
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const seconds = (performance.now() - t0) / 1000;
      const events = out
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l));
      const result = events.find((e) => e.event === 'result');
      const tasks = events.filter((e) => e.event === 'task' && e.state === 'done');
      if (code !== 0 || !result) {
        const why = signal
          ? `was killed (${signal}; deadline ${DEADLINE_MS / 1000} s)`
          : `exited ${code}`;
        reject(new Error(`ucvm ${argv.slice(1).join(' ')} ${why}\n${err.trim()}`));
      } else resolve({ seconds, built: result.built, reused: result.reused.length, tasks });
    });
  });
}

function row(label, seconds, note) {
  console.log(
    `  ${label.padEnd(44)}${seconds.toFixed(1).padStart(6)} s${note ? `  (${note})` : ''}`,
  );
}

/** Summed task time (s) of the tasks whose id passes `pick`. */
function taskSeconds(run, pick) {
  return run.tasks.filter((t) => pick(t.id)).reduce((sum, t) => sum + t.ms, 0) / 1000;
}

/** "kernel 1.7 s, initrd 9.9 s, update pack 0.1 s, 27 images 6.0 s" (task times). */
function breakdown(run) {
  const images = run.tasks.filter((t) => /^ucernvm-.*\.(iso|hdd|fat)$/.test(t.id));
  const parts = [
    ['kernel', (id) => id === 'kernel'],
    ['initrd', (id) => id.startsWith('initrd.')],
    ['update pack', (id) => /^ucernvm\..*\.tar$/.test(id)],
  ].map(([name, pick]) => `${name} ${taskSeconds(run, pick).toFixed(1)} s`);
  parts.push(
    `${images.length} images ${taskSeconds(run, (id) => images.some((t) => t.id === id)).toFixed(1)} s`,
  );
  return parts.join(', ');
}

const branches = defaultConfig.branches.map((b) => b.name);
const fewer = branches.slice(0, -1).flatMap((b) => ['--branch', b]);
const all = branches.length;
const extra = branches.at(-1);

try {
  // Untimed: makes sure every component is downloaded and unpacked in the cache.
  await build([
    '--branch',
    branches[0],
    '--format',
    'iso',
    '--compression',
    'gzip',
    '--out',
    join(work, 'prime'),
  ]);
  console.log(
    `ucvm build bench: default config (${all} branches × ${defaultConfig.formats.join('/')}, ${defaultConfig.compression} initrd), --cvmfs-standin, --jobs 2, SOURCE_DATE_EPOCH=${EPOCH}`,
  );
  console.log(
    `  components already cached (downloaded and unpacked in ${defaultCacheDir()} by an untimed priming build); "cold" = empty --out directory`,
  );
  const cold = await build(['--out', join(work, 'full')]);
  row('cold: full build, empty --out', cold.seconds, `${cold.built.length} outputs built`);
  console.log(`  ${''.padEnd(44)}task times: ${breakdown(cold)}`);
  const warm = await build(['--out', join(work, 'full')]);
  if (warm.built.length !== 0) {
    throw new Error(
      `the warm build rebuilt ${warm.built.join(', ')}; expected nothing (did an input such as the initrd's init scripts change during the bench?)`,
    );
  }
  row('warm: same --out, nothing changed', warm.seconds, `${warm.reused} outputs reused`);
  console.log(`  ${''.padEnd(44)}task times: ${breakdown(warm)}`);
  console.log(`  ${'warm/cold'.padEnd(44)}${(warm.seconds / cold.seconds).toFixed(3).padStart(8)}`);
  const less = await build([...fewer, '--out', join(work, 'fewer')]);
  row(`cold: ${all - 1} branches (--branch ×${all - 1}), empty --out`, less.seconds, '');
  row(
    `cold: ${all} branches, empty --out (as above)`,
    cold.seconds,
    `one extra branch: ${(cold.seconds - less.seconds).toFixed(1)} s; single runs, the initrd's time varies more`,
  );
  const grow = await build(['--out', join(work, 'fewer')]);
  const own = taskSeconds(grow, (id) => id.startsWith(`ucernvm-${extra}.`));
  row(
    `${all - 1} → ${all} branches in the same --out`,
    grow.seconds,
    `${grow.built.length} outputs built; ${extra}'s images: ${own.toFixed(1)} s of task time`,
  );
} catch (e) {
  console.error(`build bench failed: ${e instanceof Error ? e.message : e}`);
  process.exitCode = 1;
}
