// runtime.md §1.2 item 1: ShellCheck reports nothing at severity `style` or
// above on any init shell file, and every file declares `shell=dash`.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { INIT_DIR } from './harness.js';

const SCRIPT = resolve(INIT_DIR, '../scripts/shellcheck.sh');

function walk(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((n) => {
      const p = join(dir, n);
      return statSync(p).isDirectory() ? walk(p) : [p];
    });
}

describe('init shell files', () => {
  it('are ShellCheck clean (scripts/shellcheck.sh)', () => {
    const r = spawnSync('sh', [SCRIPT], { encoding: 'utf8' });
    expect(r.error).toBeUndefined();
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
    // ShellCheck over the whole tree (following sourced stage files) takes
    // 10+ s of CPU; on a loaded 2-core runner the wall time exceeds 30 s
  }, 180_000);
  it('declare `# shellcheck shell=dash`; executables start with #!/bin/sh; no eval', () => {
    const files = walk(INIT_DIR).filter((f) => !f.endsWith('.md'));
    expect(files.length).toBeGreaterThan(5);
    for (const f of files) {
      const text = readFileSync(f, 'utf8');
      const lines = text.split('\n');
      const name = relative(INIT_DIR, f);
      const sourced = name.startsWith('lib/ucvm/stages/') || name === 'lib/ucvm/lib.sh';
      // awk programs run by bin/ucvm-userdata (runtime.md §1.2 `/lib/ucvm/bin/`: sh / awk)
      const awk = name.startsWith('lib/ucvm/awk/') && name.endsWith('.awk');
      if (awk) expect(lines[0], name).toMatch(/^# [a-z0-9-]+\.awk — /);
      else if (sourced) expect(lines[0], name).toBe('# shellcheck shell=dash');
      else expect(lines.slice(0, 2), name).toEqual(['#!/bin/sh', '# shellcheck shell=dash']);
      expect(text, name).not.toMatch(/(^|[\s;&|(])eval\s/m);
    }
  });
});
