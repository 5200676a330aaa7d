/**
 * The command names a POSIX-sh file calls (runtime.md §1.2 item 3: the build checks them against
 * what the initrd provides). A small scanner, not a full parser: it walks the text once, knows
 * quoting, `$(…)`, backticks, `${…}`, `$((…))`, heredocs, `case` patterns, line continuations and
 * redirections, and reports the word in command position after every separator. Words it cannot
 * know (`"$prog" …`) are reported as dynamic, so a reader sees what was not checked.
 */

export interface CommandCall {
  name: string;
  line: number;
}

export interface ShellCommands {
  /** Words in command position (keywords excluded; builtins and functions included), in order. */
  calls: CommandCall[];
  /** Functions the file defines (`name() …`). */
  functions: string[];
  /** Names probed with `command -v NAME`: the shell guards their absence itself. */
  guarded: CommandCall[];
  /** Command words that are expansions (`"$x"`), or run under `chroot` in another root. */
  dynamic: CommandCall[];
}

/** Reserved words that leave the next word in command position. */
const OPENERS = new Set(['if', 'then', 'else', 'elif', 'do', 'while', 'until', '!', '{']);
/** Reserved words after which arguments or redirections follow, not a command. */
const CLOSERS = new Set(['fi', 'done', '}']);

/** Busybox ash's builtins (`busybox sh -c help`, the part before the applets). */
export const ASH_BUILTINS: ReadonlySet<string> = new Set(
  (
    '. : [ [[ alias bg break cd chdir command continue echo eval exec exit export false fg ' +
    'getopts hash help history jobs kill let local printf pwd read readonly return set shift ' +
    'source test times trap true type ulimit umask unalias unset wait'
  ).split(' '),
);

/**
 * Commands that run another command: how many leading words they take before it. `opts`: options
 * (words starting with `-`) are skipped, those listed take a value; `skip`: fixed operands before
 * the command (`timeout N`, `chroot DIR`); `assign`: `X=…` words are skipped (env).
 * The last entries are the init's own wrappers (init/lib/ucvm/lib.sh, shutdown.sh): a new
 * wrapper function there belongs here too, or the commands it runs go unchecked.
 */
export interface Wrapper {
  opts?: readonly string[];
  skip?: number;
  assign?: boolean;
  /** The command runs in another root: reported as dynamic. */
  otherRoot?: boolean;
}
export const WRAPPERS: Readonly<Record<string, Wrapper>> = {
  exec: {},
  command: { opts: [] },
  timeout: { opts: ['-s', '-k'], skip: 1 },
  chroot: { opts: [], skip: 1, otherRoot: true },
  env: { opts: ['-u'], assign: true },
  nice: { opts: ['-n'] },
  setsid: { opts: [] },
  nohup: {},
  cttyhack: {},
  xargs: { opts: ['-n', '-s', '-I', '-P', '-d', '-E', '-a'] },
  busybox: { opts: [] },
  ucvm_tool: {},
  ucvm_tool_resolve: {},
  ucvm_tool_limit: { skip: 1 },
  ucvm_logrun: { skip: 1 },
  ucvm_wait_for: { skip: 2 },
  sd_tool: {},
  sd_limit: { skip: 1 },
};

/** Shells whose `-c 'SCRIPT'` is scanned as shell code too (as is `trap 'CODE' …`). */
const SHELLS = new Set(['sh', 'ash', '/bin/sh']);

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=/;
const META = ' \t\n;&|()<>';

interface Word {
  /** Text with quotes removed (expansions kept as written). */
  text: string;
  /** Raw text as in the file. */
  raw: string;
  /** Contains an unquoted or double-quoted `$`/backtick expansion. */
  expands: boolean;
  /** Entirely one single-quoted string: its content's offset in the file. */
  quotedAt?: number;
  start: number;
}

type State =
  | { kind: 'cmd' }
  | { kind: 'args'; after?: string; argIndex: number }
  | { kind: 'wrapped'; wrapper: Wrapper; name: string; skip: number; value: boolean }
  | { kind: 'caseWord' }
  | { kind: 'caseIn' }
  | { kind: 'pattern' };

export function extractCommands(
  src: string,
  wrappers: Readonly<Record<string, Wrapper>> = WRAPPERS,
): ShellCommands {
  const out: ShellCommands = { calls: [], functions: [], guarded: [], dynamic: [] };
  const lineStarts = [0];
  for (let i = 0; i < src.length; i++) if (src[i] === '\n') lineStarts.push(i + 1);
  new Scanner({ src, out, lineStarts, wrappers }, 0, src.length).list('');
  return out;
}

/** What every (nested) scanner of one file shares. */
interface Context {
  src: string;
  out: ShellCommands;
  lineStarts: readonly number[];
  wrappers: Readonly<Record<string, Wrapper>>;
}

class Scanner {
  #state: State = { kind: 'cmd' };
  #heredocs: { delim: string; strip: boolean }[] = [];
  #cases = 0;
  #depth = 0;
  #inBackticks = false;

  readonly src: string;
  readonly out: ShellCommands;

  constructor(
    readonly ctx: Context,
    public pos: number,
    readonly end: number,
  ) {
    this.src = ctx.src;
    this.out = ctx.out;
  }

  lineOf(pos: number): number {
    let lo = 0;
    let hi = this.ctx.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.ctx.lineStarts[mid] ?? 0) <= pos) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  }

  at(offset = 0): string {
    const p = this.pos + offset;
    return p < this.end ? (this.src[p] ?? '') : '';
  }

  /** Scans a command list up to `stop` (')' for `$(…)`, '`' for backticks, '' for the end). */
  list(stop: string): void {
    this.#inBackticks = stop === '`';
    while (this.pos < this.end) {
      const c = this.at();
      if (c === ' ' || c === '\t') this.pos++;
      else if (c === '\\' && this.at(1) === '\n') this.pos += 2;
      else if (c === '#') this.skipComment();
      else if (c === '\n') {
        this.pos++;
        this.bodies();
        if (this.#state.kind !== 'caseWord' && this.#state.kind !== 'caseIn') {
          if (this.#state.kind !== 'pattern') this.#state = { kind: 'cmd' };
        }
      } else if (this.#state.kind === 'pattern') this.pattern();
      else if (c === stop && (stop === '`' || this.#depth === 0)) {
        this.pos++;
        return;
      } else if (c === ';' || c === '&' || c === '|') this.separator(c);
      else if (c === '(') {
        this.pos++;
        this.#depth++;
        this.#state = { kind: 'cmd' };
      } else if (c === ')') {
        this.pos++;
        this.#depth--;
        this.#state = { kind: 'args', argIndex: 0 };
      } else if (c === '<' || c === '>') this.redirection();
      else this.word(this.readWord());
    }
  }

  skipComment(): void {
    while (this.pos < this.end && this.at() !== '\n') this.pos++;
  }

  separator(c: string): void {
    const two = c + this.at(1);
    this.pos += two === ';;' || two === '&&' || two === '||' ? 2 : 1;
    this.#state = two === ';;' && this.#cases > 0 ? { kind: 'pattern' } : { kind: 'cmd' };
  }

  redirection(): void {
    if (this.at() === '<' && this.at(1) === '<') {
      this.pos += 2;
      const strip = this.at() === '-';
      if (strip) this.pos++;
      while (this.at() === ' ' || this.at() === '\t') this.pos++;
      const w = this.readWord();
      this.#heredocs.push({ delim: w.text, strip });
      return;
    }
    this.pos++;
    if ('>&|'.includes(this.at())) this.pos++;
    while (this.at() === ' ' || this.at() === '\t') this.pos++;
    this.readWord(); // the target: never a command
  }

  /** Skips the bodies of heredocs opened on the line just ended. */
  bodies(): void {
    for (const h of this.#heredocs.splice(0)) {
      while (this.pos < this.end) {
        let eol = this.src.indexOf('\n', this.pos);
        if (eol < 0 || eol > this.end) eol = this.end;
        let line = this.src.slice(this.pos, eol);
        if (h.strip) line = line.replace(/^\t+/, '');
        this.pos = Math.min(eol + 1, this.end);
        if (line === h.delim) break;
      }
    }
  }

  /** A `case` pattern up to its unquoted `)`, or `esac`. */
  pattern(): void {
    const w = this.readWord();
    if (w.raw === 'esac') {
      this.#cases--;
      this.#state = { kind: 'args', argIndex: 0 };
      return;
    }
    if (this.at() === '(' && w.raw === '') this.pos++;
    while (this.pos < this.end && this.at() !== ')') {
      if (this.at() === '|' || this.at() === ' ' || this.at() === '\t') this.pos++;
      else this.readWord();
    }
    this.pos++;
    this.#state = { kind: 'cmd' };
  }

  word(w: Word): void {
    if (w.raw === '') {
      this.pos++; // a lone metacharacter we do not model: step over it
      return;
    }
    // `2>file`: an IO number, not a word.
    if (/^[0-9]+$/.test(w.raw) && (this.at() === '<' || this.at() === '>')) return;
    const s = this.#state;
    const line = this.lineOf(w.start);
    switch (s.kind) {
      case 'caseWord':
        this.#state = { kind: 'caseIn' };
        return;
      case 'caseIn':
        this.#state = { kind: 'pattern' };
        return;
      case 'pattern':
        return;
      case 'args':
        this.argument(s, w);
        return;
      case 'wrapped':
        this.wrapped(s, w, line);
        return;
      case 'cmd':
        this.command(w, line);
    }
  }

  command(w: Word, line: number): void {
    if (ASSIGNMENT.test(w.raw)) return;
    if (w.raw === 'case') {
      this.#cases++;
      this.#state = { kind: 'caseWord' };
      return;
    }
    if (w.raw === 'esac') {
      this.#cases--;
      this.#state = { kind: 'args', argIndex: 0 };
      return;
    }
    if (OPENERS.has(w.raw)) return;
    if (CLOSERS.has(w.raw) || w.raw === 'for') {
      this.#state = { kind: 'args', argIndex: 0 };
      return;
    }
    if (NAME.test(w.raw) && this.isDefinition()) {
      this.out.functions.push(w.raw);
      this.#state = { kind: 'cmd' };
      return;
    }
    this.call(w, line);
  }

  call(w: Word, line: number, otherRoot = false): void {
    if (w.expands || otherRoot) {
      this.out.dynamic.push({ name: w.raw, line });
      this.#state = { kind: 'args', argIndex: 0 };
      return;
    }
    this.out.calls.push({ name: w.text, line });
    const wrapper = Object.hasOwn(this.ctx.wrappers, w.text)
      ? this.ctx.wrappers[w.text]
      : undefined;
    this.#state = wrapper
      ? { kind: 'wrapped', wrapper, name: w.text, skip: wrapper.skip ?? 0, value: false }
      : { kind: 'args', after: w.text, argIndex: 0 };
  }

  wrapped(s: Extract<State, { kind: 'wrapped' }>, w: Word, line: number): void {
    const { wrapper } = s;
    if (s.value) {
      s.value = false;
      return;
    }
    if (wrapper.opts && w.raw.startsWith('-') && w.raw !== '-') {
      if (s.name === 'command' && (w.raw === '-v' || w.raw === '-V')) {
        this.#state = { kind: 'args', after: 'command -v', argIndex: 0 };
        return;
      }
      s.value = wrapper.opts.includes(w.raw);
      return;
    }
    if (wrapper.assign && ASSIGNMENT.test(w.raw)) return;
    if (s.skip > 0) {
      s.skip--;
      return;
    }
    this.call(w, line, wrapper.otherRoot);
  }

  /** Arguments; scans `trap 'CODE'` and `sh -c 'SCRIPT'`, records `command -v NAME`. */
  argument(s: Extract<State, { kind: 'args' }>, w: Word): void {
    const index = s.argIndex++;
    if (s.after === 'command -v' && !w.expands) {
      this.out.guarded.push({ name: w.text, line: this.lineOf(w.start) });
    } else if (s.after === 'trap' && index === 0 && w.quotedAt !== undefined) {
      this.nested(w.quotedAt, w.quotedAt + w.text.length);
    } else if (s.after !== undefined && SHELLS.has(s.after) && w.raw === '-c') {
      s.after = 'sh -c';
    } else if (s.after === 'sh -c' && w.quotedAt !== undefined) {
      this.nested(w.quotedAt, w.quotedAt + w.text.length);
      s.after = undefined;
    }
  }

  nested(start: number, end: number): void {
    new Scanner(this.ctx, start, end).list('');
  }

  /** After a name: `()` makes it a function definition. */
  isDefinition(): boolean {
    let p = this.pos;
    while (this.src[p] === ' ' || this.src[p] === '\t') p++;
    if (this.src[p] !== '(') return false;
    p++;
    while (this.src[p] === ' ' || this.src[p] === '\t') p++;
    if (this.src[p] !== ')') return false;
    this.pos = p + 1;
    return true;
  }

  /** Reads one word, scanning the command substitutions inside it. */
  readWord(): Word {
    const start = this.pos;
    let text = '';
    let expands = false;
    let quotedAt: number | undefined;
    let parts = 0;
    while (this.pos < this.end) {
      const c = this.at();
      if (META.includes(c) || (c === '`' && this.#inBackticks)) break;
      parts++;
      if (c === '\\') {
        text += this.at(1) === '\n' ? '' : this.at(1);
        this.pos += 2;
      } else if (c === "'") {
        const close = this.src.indexOf("'", this.pos + 1);
        const stop = close < 0 || close >= this.end ? this.end : close;
        if (parts === 1) quotedAt = this.pos + 1;
        text += this.src.slice(this.pos + 1, stop);
        this.pos = stop + 1;
      } else if (c === '"') {
        this.pos++;
        while (this.pos < this.end && this.at() !== '"') {
          if (this.at() === '\\') {
            text += this.at(1);
            this.pos += 2;
          } else if (this.at() === '$' || this.at() === '`') {
            expands = true;
            text += this.expansion();
          } else text += this.src[this.pos++];
        }
        this.pos++;
      } else if (c === '$' || c === '`') {
        expands = expands || this.at(1) !== '' || c === '`';
        text += this.expansion();
      } else text += this.src[this.pos++];
    }
    const raw = this.src.slice(start, this.pos);
    const w: Word = { text, raw, expands, start };
    if (quotedAt !== undefined && parts === 1) w.quotedAt = quotedAt;
    return w;
  }

  /** `$(…)`, `$((…))`, `${…}`, `$name` or a backtick string at pos; returns its raw text. */
  expansion(): string {
    const start = this.pos;
    const c = this.at();
    if (c === '`') {
      this.pos++;
      this.sub('`');
    } else if (this.at(1) === '(' && this.at(2) === '(') {
      this.pos += 3;
      this.arithmetic();
    } else if (this.at(1) === '(') {
      this.pos += 2;
      this.sub(')');
    } else if (this.at(1) === '{') {
      this.pos += 2;
      this.braced();
    } else this.pos++;
    return this.src.slice(start, this.pos);
  }

  sub(stop: string): void {
    const inner = new Scanner(this.ctx, this.pos, this.end);
    inner.list(stop);
    this.pos = inner.pos;
  }

  /** `$((…))`: parentheses nest; `$(` inside is a command substitution. */
  arithmetic(): void {
    let depth = 0;
    while (this.pos < this.end) {
      const c = this.at();
      if (c === '$' || c === '`') this.expansion();
      else if (c === '(') {
        depth++;
        this.pos++;
      } else if (c === ')' && depth > 0) {
        depth--;
        this.pos++;
      } else if (c === ')' && this.at(1) === ')') {
        this.pos += 2;
        return;
      } else this.pos++;
    }
  }

  /** `${…}`: quotes and expansions nest inside (`${t%"$(printf '\r')"}`). */
  braced(): void {
    while (this.pos < this.end && this.at() !== '}') {
      const c = this.at();
      if (c === '\\') this.pos += 2;
      else if (c === '$' || c === '`') this.expansion();
      else if (c === "'" || c === '"') this.readQuoted(c);
      else this.pos++;
    }
    this.pos++;
  }

  readQuoted(q: string): void {
    this.pos++;
    while (this.pos < this.end && this.at() !== q) {
      if (q === '"' && this.at() === '\\') this.pos += 2;
      else if (q === '"' && (this.at() === '$' || this.at() === '`')) this.expansion();
      else this.pos++;
    }
    this.pos++;
  }
}
