/**
 * Errors the CLI knows how to render. Every package error carries a stable `code`, a message
 * naming the thing and the value, an optional `hint` with the remedy, and `exitCode` 1 (the
 * build failed) or 2 (usage or configuration error), as build.md §8 asks.
 */
export interface RenderableError {
  code: string;
  message: string;
  hint?: string;
  exitCode: 1 | 2;
}

export class CliError extends Error implements RenderableError {
  override readonly name = 'CliError';
  constructor(
    readonly code: string,
    message: string,
    readonly hint?: string,
    readonly exitCode: 1 | 2 = 2,
  ) {
    super(message);
  }
}

export function isRenderable(err: unknown): err is Error & RenderableError {
  if (!(err instanceof Error)) return false;
  const e = err as Partial<RenderableError>;
  return typeof e.code === 'string' && (e.exitCode === 1 || e.exitCode === 2);
}

export function renderError(err: unknown, debug: boolean): { text: string; exitCode: 1 | 2 } {
  if (isRenderable(err)) {
    let text = `ucvm: error [${err.code}]: ${err.message}\n`;
    if (err.hint) text += `  hint: ${err.hint}\n`;
    if (debug && err.stack) text += `${err.stack}\n`;
    return { text, exitCode: err.exitCode };
  }
  const message = err instanceof Error ? err.message : String(err);
  let text = `ucvm: internal error: ${message}\n`;
  text +=
    debug && err instanceof Error && err.stack
      ? `${err.stack}\n`
      : '  (run with --debug for the stack trace)\n';
  return { text, exitCode: 1 };
}
