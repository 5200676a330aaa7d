import { InitrdError } from '../errors.js';
import { normalizeRootPath } from '../tree/lookup.js';
import type { Staging } from '../tree/staging.js';
import { PATH_DIRS } from './applets.js';
import { ASH_BUILTINS, extractCommands } from './commands.js';

/** A command the init's shell files call, and what in the image provides it. */
export interface InitCommand {
  name: string;
  /** 'busybox': an applet (the name resolves to the busybox binary); 'file': another file. */
  providedBy: 'busybox' | 'file';
  /** Image path the name resolves to (first PATH directory holding it). */
  path: string;
  /** First use, `/<file>:<line>`. */
  at: string;
}

export interface InitCommandCheck {
  commands: InitCommand[];
  /** Called but absent, yet probed with `command -v NAME` first: the shell copes. */
  optional: { name: string; at: string }[];
  /** Command words that could not be checked (`"$prog" …`, commands run under chroot). */
  unchecked: { word: string; at: string }[];
  /** Called and provided by nothing (only when not thrown: `failOnMissing` false). */
  missing: { name: string; at: string }[];
}

/**
 * runtime.md §1.2 item 3: every command the init's shell files call must exist in the image —
 * a busybox applet, a file in a PATH directory (runtime.md §1.3 item 1), or an absolute path.
 * Shell files are the `init` component's files that start with `#!/bin/sh` or carry
 * `# shellcheck shell=`; builtins of ash and functions any of them defines are not commands.
 */
export function checkInitCommands(
  staging: Staging,
  busyboxPath: string | undefined,
  failOnMissing = true,
): InitCommandCheck {
  const files = staging
    .entries()
    .flatMap((e) =>
      e.kind === 'file' && e.component === 'init' && isShell(e.data)
        ? [{ path: e.path, found: extractCommands(Buffer.from(e.data).toString('utf8')) }]
        : [],
    );
  const functions = new Set(files.flatMap((f) => f.found.functions));
  const guarded = new Set(files.flatMap((f) => f.found.guarded.map((g) => g.name)));
  const bb = busyboxPath === undefined ? undefined : normalizeRootPath(busyboxPath);
  const seen = new Map<string, string>();
  const check: InitCommandCheck = { commands: [], optional: [], unchecked: [], missing: [] };
  for (const { path, found } of files) {
    for (const d of found.dynamic) check.unchecked.push({ word: d.name, at: `/${path}:${d.line}` });
    for (const c of found.calls) {
      if (ASH_BUILTINS.has(c.name) || functions.has(c.name) || seen.has(c.name)) continue;
      const at = `/${path}:${c.line}`;
      seen.set(c.name, at);
      const where = resolveCommand(staging, c.name);
      if (where === null) check.unchecked.push({ word: c.name, at });
      else if (where !== undefined) {
        const providedBy = staging.resolveFile(where)?.path === bb ? 'busybox' : 'file';
        check.commands.push({ name: c.name, providedBy, path: `/${where}`, at });
      } else if (guarded.has(c.name)) check.optional.push({ name: c.name, at });
      else check.missing.push({ name: c.name, at });
    }
  }
  check.commands.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  if (failOnMissing && check.missing.length > 0) {
    const list = check.missing.map((m) => `${m.name} (${m.at})`).join(', ');
    throw new InitrdError(
      'MISSING_COMMAND',
      `the init's shell files call ${check.missing.length === 1 ? 'a command' : 'commands'} the initrd does not provide: ${list}`,
      'add the component that ships each one (with the file in its initrd list), or a busybox with that applet; ' +
        'a command the shell itself probes with `command -v NAME` first counts as optional',
    );
  }
  return check;
}

/** Image path a command name runs, undefined when absent, null when not checkable (relative path). */
function resolveCommand(staging: Staging, name: string): string | undefined | null {
  if (name.includes('/')) {
    if (!name.startsWith('/')) return null;
    return staging.resolveFile(name) ? normalizeRootPath(name) : undefined;
  }
  for (const dir of PATH_DIRS) {
    if (staging.resolveFile(`${dir}/${name}`)) return `${dir}/${name}`;
  }
  return undefined;
}

function isShell(data: Uint8Array): boolean {
  const head = Buffer.from(data.subarray(0, 256)).toString('latin1');
  return head.startsWith('#!/bin/sh') || /^# shellcheck shell=/m.test(head);
}
