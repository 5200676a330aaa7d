import type { CliIo } from '../io.js';

/** Progress of a build, as the pipeline reports it (rendered by the CLI, build.md §8). */
export type BuildEvent =
  | { event: 'task'; id: string; state: 'start'; title: string }
  | {
      event: 'task';
      id: string;
      state: 'done' | 'reused';
      title: string;
      ms: number;
      detail?: string;
    }
  | { event: 'task'; id: string; state: 'failed'; title: string; ms: number; message: string }
  | { event: 'note'; message: string }
  | { event: 'warning'; message: string };

interface Row {
  title: string;
  state: 'start' | 'done' | 'reused' | 'failed';
  text: string;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)}s`;

/**
 * Renders build events: JSON lines with `--json`; on a terminal a task list redrawn in place
 * with timings; otherwise one plain line per finished task. Warnings also go to stderr as
 * plain lines, so they are seen whatever the mode.
 */
export class ProgressRenderer {
  private readonly rows = new Map<string, Row>();
  private drawn = 0;

  constructor(
    private readonly io: CliIo,
    private readonly json: boolean,
  ) {}

  get tty(): boolean {
    return !this.json && this.io.isTty;
  }

  emit = (e: BuildEvent): void => {
    if (this.json) {
      this.io.stdout(`${JSON.stringify(e)}\n`);
      if (e.event === 'warning') this.io.stderr(`${e.message}\n`);
      return;
    }
    if (e.event !== 'task') {
      this.line(e.event === 'warning' ? e.message : `note: ${e.message}`);
      if (e.event === 'warning') this.io.stderr(`${e.message}\n`);
      return;
    }
    const text =
      e.state === 'start'
        ? `  … ${e.title}`
        : e.state === 'failed'
          ? `  ✗ ${e.title}  ${seconds(e.ms)}  ${e.message}`
          : `  ${e.state === 'reused' ? '=' : '✓'} ${e.title}  ${e.state === 'reused' ? 'reused' : seconds(e.ms)}${e.detail ? `  ${e.detail}` : ''}`;
    this.rows.set(e.id, { title: e.title, state: e.state, text });
    if (this.tty) this.redraw();
    else if (e.state !== 'start') this.io.stdout(`${text.trimStart()}\n`);
  };

  /** A line outside the task list (printed above it on a terminal). */
  line(text: string): void {
    if (this.json) return;
    if (this.tty) {
      this.clear();
      this.io.stdout(`${text}\n`);
      this.redraw();
    } else {
      this.io.stdout(`${text}\n`);
    }
  }

  private clear(): void {
    if (this.drawn > 0) this.io.stdout(`\x1b[${this.drawn}F\x1b[J`);
    this.drawn = 0;
  }

  private redraw(): void {
    this.clear();
    const lines = [...this.rows.values()].map((r) => r.text);
    if (lines.length > 0) this.io.stdout(`${lines.join('\n')}\n`);
    this.drawn = lines.length;
  }
}
