import { describe, expect, it } from 'vitest';
import { createProgram } from '../src/main.js';
import { runCli } from './run-cli.js';

function commandPaths(): string[][] {
  const io = { stdout: () => {}, stderr: () => {}, isTty: false, cwd: '/', env: {} };
  const out: string[][] = [];
  const walk = (cmd: ReturnType<typeof createProgram>, path: string[]) => {
    for (const sub of cmd.commands) {
      out.push([...path, sub.name()]);
      walk(sub, [...path, sub.name()]);
    }
  };
  walk(createProgram(io), []);
  return out;
}

describe('ucvm command framework', () => {
  it('prints help and exits 0', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: ucvm');
    expect(r.stdout).toContain('userdata');
  });

  it('gives --help for every command', async () => {
    const paths = commandPaths();
    expect(paths.length).toBeGreaterThan(3);
    for (const path of paths) {
      const r = await runCli([...path, '--help']);
      expect(r.code, path.join(' ')).toBe(0);
      expect(r.stdout, path.join(' ')).toContain(`Usage: ucvm ${path.join(' ')}`);
    }
  });

  it('exits 2 on an unknown command or option', async () => {
    const a = await runCli(['no-such-command']);
    expect(a.code).toBe(2);
    expect(a.stderr).toContain("unknown command 'no-such-command'");
    const b = await runCli(['userdata', 'validate', '--no-such-flag', 'x']);
    expect(b.code).toBe(2);
  });

  it('prints the version', async () => {
    const r = await runCli(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
  });

  it('reports errors without a stack trace unless --debug', async () => {
    const plain = await runCli(['userdata', 'validate', '/nonexistent/user-data']);
    expect(plain.code).toBe(2);
    expect(plain.stderr).toContain('cannot read /nonexistent/user-data');
    expect(plain.stderr).toContain('hint:');
    expect(plain.stderr).not.toMatch(/\n\s+at /);
    const debug = await runCli(['--debug', 'userdata', 'validate', '/nonexistent/user-data']);
    expect(debug.code).toBe(2);
    expect(debug.stderr).toMatch(/\n\s+at /);
  });
});
