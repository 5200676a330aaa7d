import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, existsSync, type WriteStream, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { type Accel, buildQemuArgs, DEFAULT_OVMF } from './args.js';
import {
  type ConsoleMatch,
  type ConsolePattern,
  describePattern,
  SerialConsole,
} from './console.js';
import { QemuError } from './errors.js';
import type { VmOptions } from './options.js';

export const QEMU_BINARY = 'qemu-system-x86_64';
/** Grace period between SIGTERM and SIGKILL. */
const KILL_GRACE_MS = 3_000;
/** Default overall deadline of one VM. */
export const DEFAULT_VM_DEADLINE_MS = 300_000;

export interface SpawnVmOptions extends VmOptions {
  accel: Accel;
  /** Directory for `<name>.serial.log`, `<name>.stderr.log` and `<name>.args.txt`. */
  workDir: string;
  /** Short name used for the log file names. */
  name: string;
  /** Names the VM in error messages (default: `name`). */
  label?: string;
  /**
   * The whole VM is killed after this many ms (default 300 s). `Infinity` only for a VM a
   * person drives (`ucvm run` on a terminal), who ends it with Ctrl-A X.
   */
  deadlineMs?: number;
  /** Raw serial bytes as they arrive (besides the log and {@link Vm.console}). */
  onSerial?: (chunk: Uint8Array) => void;
  qemuBinary?: string;
  ovmfPath?: string;
}

export interface VmExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** ms since the VM was started. */
  elapsedMs: number;
}

export interface TimedMatch extends ConsoleMatch {
  /** ms since the VM was started: the boot time up to this line. */
  elapsedMs: number;
}

/** Every VM not yet exited, so that none outlives the test process. */
const live = new Set<Vm>();
let exitHookInstalled = false;

/** SIGKILL every VM this process started and that still runs (also done on process exit). */
export function killAllVmsSync(): void {
  for (const vm of live) vm.killSync();
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', killAllVmsSync);
}

/**
 * `setpriv --pdeathsig KILL` makes the kernel kill QEMU when this process dies, even by
 * SIGKILL, where no exit hook runs. Used when util-linux provides it.
 */
const SETPRIV = '/usr/bin/setpriv';

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

/** A running QEMU with its serial console. Create with `startVm` or `VmRun.start`. */
export class Vm {
  readonly console = new SerialConsole();
  readonly args: readonly string[];
  readonly serialLogPath: string;
  readonly stderrLogPath: string;
  readonly argsPath: string;
  /** Resolves once QEMU has exited and the logs are flushed. */
  readonly closed: Promise<VmExit>;
  private readonly child: ChildProcess;
  private readonly startedAt = performance.now();
  private readonly deadline: NodeJS.Timeout | undefined;
  private stderrTail = '';
  private exitInfo: VmExit | undefined;
  private deadlineHit = false;

  constructor(readonly options: SpawnVmOptions) {
    this.args = buildQemuArgs(options, options.accel, options.ovmfPath ?? DEFAULT_OVMF);
    const deadlineMs = checkDeadline(options.deadlineMs ?? DEFAULT_VM_DEADLINE_MS);
    const base = join(options.workDir, options.name);
    this.serialLogPath = `${base}.serial.log`;
    this.stderrLogPath = `${base}.stderr.log`;
    this.argsPath = `${base}.args.txt`;
    const qemu = options.qemuBinary ?? QEMU_BINARY;
    const [cmd, argv] = existsSync(SETPRIV)
      ? [SETPRIV, ['--pdeathsig', 'KILL', '--', qemu, ...this.args]]
      : [qemu, [...this.args]];
    // Written before the start, so that even a VM that never runs leaves its command line.
    writeFileSync(this.argsPath, [qemu, ...this.args].map(shellQuote).join(' ') + '\n');
    const serialLog = createWriteStream(this.serialLogPath);
    const stderrLog = createWriteStream(this.stderrLogPath);
    // A log that cannot be written must not crash the test process; the console in memory
    // still serves the waits, and the failure message says what happened.
    for (const log of [serialLog, stderrLog]) {
      log.on('error', (e) => {
        this.stderrTail += `\n[harness] cannot write ${log.path}: ${e.message}`;
      });
    }
    installExitHook();
    // stdin stays an open pipe: the stdio chardev must not see EOF.
    this.child = spawn(cmd, argv, { stdio: ['pipe', 'pipe', 'pipe'] });
    // Input written while QEMU exits must not crash the caller (EPIPE).
    this.child.stdin!.on('error', () => {});
    live.add(this);
    this.child.stdout!.on('data', (b: Buffer) => {
      serialLog.write(b);
      this.console.push(b);
      options.onSerial?.(b);
    });
    this.child.stderr!.on('data', (b: Buffer) => {
      stderrLog.write(b);
      this.stderrTail = (this.stderrTail + b.toString('utf8')).slice(-4096);
    });
    this.deadline =
      deadlineMs === Number.POSITIVE_INFINITY
        ? undefined
        : setTimeout(() => {
            this.deadlineHit = true;
            this.console.close(
              this.failure(
                'VM_DEADLINE',
                `VM ran past its overall deadline of ${seconds(deadlineMs)}`,
              ),
            );
            void this.kill();
          }, deadlineMs);
    this.closed = new Promise<VmExit>((resolve) => {
      const done = (code: number | null, signal: NodeJS.Signals | null): void => {
        if (this.exitInfo) return;
        this.exitInfo = { code, signal, elapsedMs: this.elapsedMs() };
        clearTimeout(this.deadline);
        live.delete(this);
        this.console.close(this.failure('VM_EXITED', `VM exited (${this.describeExit()})`));
        const info = this.exitInfo;
        Promise.all([endStream(serialLog), endStream(stderrLog)]).then(() => resolve(info));
      };
      this.child.on('error', (e: NodeJS.ErrnoException) => {
        this.stderrTail += e.code === 'ENOENT' ? `${qemu} not found` : String(e);
        done(null, null);
      });
      this.child.on('close', done);
    });
  }

  /** Bytes for the guest's serial console (QEMU's stdin; with `serialMux`, Ctrl-A escapes). */
  input(data: Uint8Array | string): void {
    if (!this.exitInfo) this.child.stdin?.write(data);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get exited(): boolean {
    return this.exitInfo !== undefined;
  }

  elapsedMs(): number {
    return performance.now() - this.startedAt;
  }

  private describeExit(): string {
    const e = this.exitInfo;
    if (!e) return 'running';
    return e.signal
      ? `signal ${e.signal}`
      : e.code === null
        ? 'did not start'
        : `exit code ${e.code}`;
  }

  /** An error naming what happened, with the console and QEMU stderr tails. */
  private failure(code: ConstructorParameters<typeof QemuError>[0], headline: string): QemuError {
    const lines = this.console.tail(15).map((l) => `    | ${l}`);
    const stderr = this.stderrTail.trim();
    const message = [
      `${this.options.label ?? this.options.name}: ${headline} after ${seconds(this.elapsedMs())}`,
      `  serial log: ${this.serialLogPath}`,
      lines.length > 0 ? `  last console lines:\n${lines.join('\n')}` : '  (no console output)',
      ...(stderr === ''
        ? []
        : [
            `  QEMU stderr:\n${stderr
              .split('\n')
              .map((l) => `    ! ${l}`)
              .join('\n')}`,
          ]),
    ].join('\n');
    return new QemuError(code, message);
  }

  /**
   * Waits at most `timeoutMs` for a console line matching `pattern` (after the previous match).
   * On timeout the VM is killed and `WAIT_TIMEOUT` thrown; if the VM exits or passes its
   * overall deadline first, `VM_EXITED` / `VM_DEADLINE`.
   */
  async waitFor(pattern: ConsolePattern, opts: { timeoutMs: number }): Promise<TimedMatch> {
    const what = describePattern(pattern);
    const { promise, cancel } = this.console.next(pattern);
    const timer = setTimeout(() => {
      cancel(
        this.failure(
          'WAIT_TIMEOUT',
          `console line ${what} did not appear within ${seconds(opts.timeoutMs)}`,
        ),
      );
    }, opts.timeoutMs);
    try {
      const m = await promise;
      return { ...m, elapsedMs: this.elapsedMs() };
    } catch (e) {
      if (!(e instanceof QemuError)) throw e;
      await this.kill();
      if (e.code === 'WAIT_TIMEOUT') throw e;
      const why = this.deadlineHit ? 'VM_DEADLINE' : 'VM_EXITED';
      const headline = this.deadlineHit
        ? 'VM ran past its overall deadline'
        : `VM exited (${this.describeExit()})`;
      throw this.failure(why, `${headline} while waiting for console line ${what}`);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Waits at most `timeoutMs` for QEMU to exit (e.g. after the guest powered off). */
  async waitForExit(opts: { timeoutMs: number }): Promise<VmExit> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), opts.timeoutMs);
    });
    try {
      const r = await Promise.race([this.closed, timeout]);
      if (r !== 'timeout') return r;
    } finally {
      clearTimeout(timer);
    }
    const error = this.failure('EXIT_TIMEOUT', `VM did not exit within ${seconds(opts.timeoutMs)}`);
    await this.kill();
    throw error;
  }

  /** SIGTERM, then SIGKILL after a grace period; resolves once QEMU is gone and logs are flushed. */
  async kill(): Promise<VmExit> {
    if (!this.exitInfo && this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGTERM');
      const grace = setTimeout(() => this.child.kill('SIGKILL'), KILL_GRACE_MS);
      try {
        return await this.closed;
      } finally {
        clearTimeout(grace);
      }
    }
    return this.closed;
  }

  /** Synchronous last resort for process exit. */
  killSync(): void {
    if (!this.exitInfo) this.child.kill('SIGKILL');
  }
}

/** setTimeout's largest delay; longer ones would fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

function checkDeadline(ms: number): number {
  if (ms === Number.POSITIVE_INFINITY || (ms > 0 && ms <= MAX_TIMER_MS)) return ms;
  throw new QemuError(
    'BAD_OPTION',
    `deadlineMs must be a positive number of ms up to ${MAX_TIMER_MS} (or Infinity), got ${ms}`,
    'e.g. 120000',
  );
}

/** Resolves when the log is flushed, or at once if it already failed. */
function endStream(s: WriteStream): Promise<void> {
  if (s.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    s.once('error', () => resolve());
    s.end(() => resolve());
  });
}

function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`;
}

/** Starts QEMU with an explicit accelerator (see `startVm` for the env-resolved one). */
export function spawnVm(options: SpawnVmOptions): Vm {
  return new Vm(options);
}
