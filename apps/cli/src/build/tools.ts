import { spawn } from 'node:child_process';
import { CliError } from '../errors.js';

/** A host tool the build calls, and the Debian package that provides it (build.md §7). */
export interface HostTool {
  name: string;
  debianPackage: string;
  /** Arguments that print the version on stdout or stderr. */
  versionArgs: string[];
}

export const TOOLS = {
  syslinux: { name: 'syslinux', debianPackage: 'syslinux', versionArgs: ['--version'] },
  grubMkimage: { name: 'grub-mkimage', debianPackage: 'grub-common', versionArgs: ['--version'] },
  xz: { name: 'xz', debianPackage: 'xz-utils', versionArgs: ['--version'] },
  zstd: { name: 'zstd', debianPackage: 'zstd', versionArgs: ['--version'] },
  qemuImg: { name: 'qemu-img', debianPackage: 'qemu-utils', versionArgs: ['--version'] },
} as const satisfies Record<string, HostTool>;

/**
 * Checks every needed tool before any work starts and returns its version line (for the
 * manifest). All missing tools are named in one error, each with its package.
 */
export async function checkTools(
  tools: readonly HostTool[],
  env: NodeJS.ProcessEnv,
): Promise<Record<string, string>> {
  const versions: Record<string, string> = {};
  const missing: HostTool[] = [];
  for (const t of tools) {
    const out = await runVersion(t, env);
    if (out === undefined) missing.push(t);
    else versions[t.name] = out;
  }
  if (missing.length > 0) {
    const pkgs = [...new Set(missing.map((t) => t.debianPackage))].sort();
    throw new CliError(
      'E_TOOL_MISSING',
      `host tool(s) missing: ${missing.map((t) => `${t.name} (Debian package ${t.debianPackage})`).join(', ')}`,
      `apt-get install -y ${pkgs.join(' ')}`,
      1,
    );
  }
  return versions;
}

/** First non-empty output line of `tool --version`, or undefined when the tool cannot run. */
export function runVersion(t: HostTool, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  return new Promise((done) => {
    const child = spawn(t.name, t.versionArgs, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { PATH: env.PATH ?? process.env.PATH ?? '', LC_ALL: 'C' },
      timeout: 20_000,
    });
    let text = '';
    child.stdout.on('data', (b: Buffer) => {
      text += b.toString();
    });
    child.stderr.on('data', (b: Buffer) => {
      text += b.toString();
    });
    child.on('error', () => done(undefined));
    child.on('close', (code) => {
      if (code === null) return done(undefined);
      done((text.split('\n').find((l) => l.trim() !== '') ?? '').trim());
    });
  });
}
