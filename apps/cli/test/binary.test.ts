import { execFileSync, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The built binary (turbo builds the CLI before its tests run).
const bin = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'cli.js');

describe('the ucvm binary', () => {
  it('runs as a program and maps usage errors to exit 2', () => {
    expect(execFileSync(process.execPath, [bin, '--help'], { encoding: 'utf8' })).toContain(
      'Usage: ucvm',
    );
    const bad = spawnSync(process.execPath, [bin, 'userdata', 'render'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("missing required argument 'pairs'");
  });
});
