import { mkdtemp, open, readFile, rm, truncate } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type AccelSetting,
  type DriveOptions,
  QemuError,
  resolveAccel,
  startVm,
  type Vm,
  type VmOptions,
} from '@ucvm/qemu';
import type { CliIo } from '../io.js';
import { writeNoCloudSeed } from './cidata.js';
import { describeKind, HEAD_BYTES, type ImageKind, imageKind, TAIL_BYTES } from './image-kind.js';

export interface RunRequest {
  /** Absolute path of the image. */
  image: string;
  /** Name as the user wrote it, for messages. */
  imageName: string;
  diskBytes?: number;
  userData?: Uint8Array;
  uefi: boolean;
  memoryMiB: number;
  accel: AccelSetting;
  /** Seconds; with `expect`, the wait for the line, else the wait for QEMU to exit. */
  deadlineS?: number;
  expect?: RegExp;
  /** Serial console on the terminal, keys to the guest (stdin and stdout are TTYs). */
  interactive: boolean;
  sourceDateEpoch: number;
}

/** Slack of the harness's own VM deadline behind ours: it only backs ours up. */
const BACKSTOP_MS = 30_000;

async function readEdges(path: string): Promise<{ head: Uint8Array; tail: Uint8Array }> {
  const f = await open(path, 'r');
  try {
    const size = (await f.stat()).size;
    const head = new Uint8Array(Math.min(HEAD_BYTES, size));
    await f.read(head, 0, head.length, 0);
    const tail = new Uint8Array(Math.min(TAIL_BYTES, size));
    await f.read(tail, 0, tail.length, size - tail.length);
    return { head, tail };
  } finally {
    await f.close();
  }
}

/** The QEMU options for the image and the extra disks (the image never written: snapshot). */
function vmOptions(req: RunRequest, kind: ImageKind, extra: DriveOptions[]): VmOptions {
  const image: DriveOptions[] =
    kind.attach === 'disk'
      ? [{ file: req.image, interface: 'virtio', mode: 'snapshot', format: kind.format }]
      : [];
  return {
    // The boot disk comes first so that SeaBIOS tries it before the scratch and seed disks.
    drives: [...image, ...extra],
    ...(kind.attach === 'cdrom' ? { cdroms: [req.image], bootOrder: 'd' } : {}),
    ...(req.uefi ? { firmware: 'uefi' as const } : {}),
    memoryMiB: req.memoryMiB,
    network: {}, // user networking with restrict=on: nothing leaves the machine (testing.md §4)
    serialMux: true,
  };
}

/** Forwards the terminal to the guest in raw mode; returns the undo. */
function attachTerminal(vm: Vm): () => void {
  const stdin = process.stdin;
  const onData = (d: Buffer): void => vm.input(d);
  stdin.setRawMode(true);
  stdin.on('data', onData);
  stdin.resume();
  return () => {
    stdin.off('data', onData);
    stdin.setRawMode(false);
    stdin.pause();
  };
}

/** Kills QEMU on SIGINT/SIGTERM/SIGHUP while the VM runs; returns the undo. */
function killOnSignals(vm: Vm, onSignal: (s: NodeJS.Signals) => void): () => void {
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  const handler = (s: NodeJS.Signals): void => {
    onSignal(s);
    void vm.kill();
  };
  for (const s of signals) process.on(s, handler);
  return () => {
    for (const s of signals) process.off(s, handler);
  };
}

/**
 * Boots `req.image` in QEMU with the serial console on stdout and returns the exit code:
 * with `expect`, 0 once a console line matches, 1 if the deadline passes or QEMU exits first;
 * without it, 0 when the guest powers off (or Ctrl-A X), 1 on a QEMU failure or the deadline.
 * The scratch disk, the seed disk and QEMU's logs live in a temporary directory: removed after
 * a clean end, kept (and named) after a failure so that the serial log can be read.
 */
export async function runImage(req: RunRequest, io: CliIo): Promise<number> {
  const { head, tail } = await readEdges(req.image);
  const kind = imageKind(req.imageName, head, tail);
  const accel = await resolveAccel(req.accel);
  // The CLI's own environment decides (in-process callers pass theirs through `io`).
  const dir = await mkdtemp(join(io.env['TMPDIR'] || tmpdir(), 'ucvm-run-'));
  let vm: Vm | undefined;
  const undo: (() => void)[] = [];
  let code = 1;
  try {
    const extra: DriveOptions[] = [];
    const notes: string[] = [];
    if (req.diskBytes !== undefined) {
      const scratch = join(dir, 'scratch.raw');
      await (await open(scratch, 'w')).close();
      await truncate(scratch, req.diskBytes); // sparse: no blocks until the guest writes
      extra.push({ file: scratch, interface: 'virtio', mode: 'readwrite', format: 'raw' });
      notes.push(`empty ${req.diskBytes / 2 ** 20} MiB scratch disk`);
    }
    if (req.userData !== undefined) {
      const seed = join(dir, 'cidata.img');
      await writeNoCloudSeed(seed, req.userData, req.sourceDateEpoch);
      extra.push({ file: seed, interface: 'virtio', mode: 'readonly', format: 'raw' });
      notes.push('NoCloud cidata disk with the user data');
    }
    const options = vmOptions(req, kind, extra);
    const decoder = new TextDecoder();
    let signalled: NodeJS.Signals | undefined;
    const deadlineMs = req.deadlineS === undefined ? undefined : req.deadlineS * 1000;
    io.stderr(
      `ucvm run: booting ${req.imageName} (${describeKind(kind)}${req.uefi ? ', UEFI' : ''}) under ${accel.toUpperCase()}${notes.map((n) => `, ${n}`).join('')}\n` +
        (req.interactive
          ? 'ucvm run: Ctrl-A X quits, Ctrl-A C toggles the QEMU monitor, Ctrl-A H lists the keys\n'
          : 'ucvm run: Ctrl-C (SIGINT) stops QEMU\n'),
    );
    vm = await startVm({
      ...options,
      accel,
      workDir: dir,
      name: 'vm',
      label: req.imageName,
      deadlineMs: deadlineMs === undefined ? Number.POSITIVE_INFINITY : deadlineMs + BACKSTOP_MS,
      onSerial: (chunk) => io.stdout(decoder.decode(chunk, { stream: true })),
    });
    const running = vm;
    undo.push(killOnSignals(running, (s) => (signalled = s)));
    if (req.interactive) undo.push(attachTerminal(running));
    try {
      if (req.expect !== undefined && deadlineMs !== undefined) {
        const m = await running.waitFor(req.expect, { timeoutMs: deadlineMs });
        io.stderr(
          `\nucvm run: matched ${JSON.stringify(m.line)} after ${(m.elapsedMs / 1000).toFixed(1)} s\n`,
        );
        code = 0;
        return code;
      }
      const exit =
        deadlineMs === undefined
          ? await running.closed
          : await running.waitForExit({ timeoutMs: deadlineMs });
      if (signalled !== undefined) {
        io.stderr(`\nucvm run: ${signalled}: QEMU stopped\n`);
        return 1;
      }
      if (exit.code === 0) {
        code = 0;
        return code;
      }
      const stderr = (await readFile(running.stderrLogPath, 'utf8').catch(() => '')).trim();
      io.stderr(
        `\nucvm run: QEMU ended with ${exit.signal ?? `exit code ${exit.code}`}${stderr ? `:\n${stderr}` : ''}\n`,
      );
      return 1;
    } catch (e) {
      if (!(e instanceof QemuError)) throw e;
      io.stderr(
        `\nucvm run: error [${e.code}]: ${signalled ? `${signalled}: ` : ''}${e.message}\n`,
      );
      return 1;
    }
  } finally {
    for (const u of undo.reverse()) u();
    await vm?.kill();
    if (code === 0 || vm === undefined) await rm(dir, { recursive: true, force: true });
    else io.stderr(`ucvm run: kept the serial log and disks of this run in ${dir}\n`);
  }
}
