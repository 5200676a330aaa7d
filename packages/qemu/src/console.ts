/** What to wait for on the serial console: a substring of one line, or a RegExp tested per line. */
export type ConsolePattern = string | RegExp;

export interface ConsoleMatch {
  /** The whole console line that matched (without the line ending). */
  line: string;
  /** Index of that line in {@link SerialConsole.lines}. */
  index: number;
  /** RegExp groups, when the pattern was a RegExp. */
  groups: RegExpExecArray | null;
}

interface Waiter {
  pattern: ConsolePattern;
  resolve: (m: ConsoleMatch) => void;
  reject: (e: Error) => void;
}

export function describePattern(pattern: ConsolePattern): string {
  return typeof pattern === 'string' ? JSON.stringify(pattern) : String(pattern);
}

function test(pattern: ConsolePattern, line: string): RegExpExecArray | null | false {
  if (typeof pattern === 'string') return line.includes(pattern) ? null : false;
  pattern.lastIndex = 0;
  return pattern.exec(line) ?? false;
}

/**
 * The serial console as lines. Only complete lines match (a half-written line could match
 * too early). Waits are sequential: each match moves a cursor past its line, so a later step
 * never matches output an earlier step already consumed.
 */
export class SerialConsole {
  readonly lines: string[] = [];
  private partial = '';
  private cursor = 0;
  private readonly decoder = new TextDecoder('utf-8');
  private waiters: Waiter[] = [];
  private closedWith: Error | undefined;

  /** Feed raw serial bytes. */
  push(chunk: Uint8Array): void {
    const text = this.partial + this.decoder.decode(chunk, { stream: true });
    const parts = text.split('\n');
    this.partial = parts.pop() ?? '';
    for (const p of parts) this.lines.push(p.endsWith('\r') ? p.slice(0, -1) : p);
    this.settle();
  }

  private find(pattern: ConsolePattern): ConsoleMatch | undefined {
    for (let i = this.cursor; i < this.lines.length; i++) {
      const line = this.lines[i]!;
      const r = test(pattern, line);
      if (r !== false) return { line, index: i, groups: r };
    }
    return undefined;
  }

  private settle(): void {
    // Waiters are served in order; each match advances the shared cursor.
    while (this.waiters.length > 0) {
      const w = this.waiters[0]!;
      const m = this.find(w.pattern);
      if (!m) return;
      this.cursor = m.index + 1;
      this.waiters.shift();
      w.resolve(m);
    }
  }

  /**
   * Resolves with the first line (after the cursor) that matches; rejects when `close` is
   * called first. The caller supplies the deadline (see `Vm.waitFor`).
   */
  next(pattern: ConsolePattern): { promise: Promise<ConsoleMatch>; cancel: (e: Error) => void } {
    let waiter!: Waiter;
    const promise = new Promise<ConsoleMatch>((resolve, reject) => {
      waiter = { pattern, resolve, reject };
    });
    if (this.closedWith) {
      const m = this.waiters.length === 0 ? this.find(pattern) : undefined;
      if (m) {
        this.cursor = m.index + 1;
        waiter.resolve(m);
      } else waiter.reject(this.closedWith);
    } else {
      this.waiters.push(waiter);
      this.settle();
    }
    const cancel = (e: Error): void => {
      const i = this.waiters.indexOf(waiter);
      if (i >= 0) {
        this.waiters.splice(i, 1);
        waiter.reject(e);
      }
    };
    return { promise, cancel };
  }

  /** No more output will come: flush the tail, then fail every wait still pending. */
  close(error: Error): void {
    if (this.closedWith) return;
    // An unterminated last line (e.g. a marker right before power-off) still counts.
    const tail = this.partial + this.decoder.decode();
    this.partial = '';
    if (tail !== '') this.lines.push(tail.replace(/\r$/, ''));
    this.settle();
    this.closedWith = error;
    for (const w of this.waiters.splice(0)) w.reject(error);
  }

  /** The last `n` lines (with the unterminated one), for error messages. */
  tail(n: number): string[] {
    const view = this.partial === '' ? this.lines : [...this.lines, this.partial];
    return view.slice(-n);
  }
}
