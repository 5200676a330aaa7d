#!/usr/bin/env node
// `pnpm test`: every package's vitest suite through turbo (cached when nothing changed), then
// one closing summary line summed over the per-package JSON reports.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const extra = process.argv.slice(2);
const run = spawnSync('pnpm', ['exec', 'turbo', 'run', 'test', '--continue', ...extra], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1', DO_NOT_TRACK: '1' },
});

const dirs = ['packages', 'apps']
  .flatMap((top) =>
    existsSync(join(root, top)) ? readdirSync(join(root, top)).map((d) => join(root, top, d)) : [],
  )
  .concat([join(root, 'test-vm')]);
let passed = 0;
let failed = 0;
let skipped = 0;
let suites = 0;
for (const dir of dirs) {
  const report = join(dir, 'test-report.json');
  if (!existsSync(report)) continue;
  const r = JSON.parse(readFileSync(report, 'utf8'));
  suites += 1;
  passed += r.numPassedTests ?? 0;
  failed += r.numFailedTests ?? 0;
  skipped += (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
  // A suite file that failed to load counts as a failure even with no test inside.
  if (r.success === false && (r.numFailedTests ?? 0) === 0) failed += 1;
}
process.stdout.write(`\nucvm test summary over ${suites} package(s):\n`);
process.stdout.write(`Tests: ${passed} passed, ${failed} failed, ${skipped} skipped\n`);
const status = run.status ?? 1;
process.exit(status !== 0 ? status : failed > 0 || suites === 0 ? 1 : 0);
