import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killAllVmsSync, TestVmError, withVmRun } from '../src/index.js';
import { type DebianKernel, debianKernel } from './fixtures/debian-kernel.js';
import {
  BOOT_MARKER,
  buildMarkerInitrd,
  HANG_MARKER,
  MARKER_APPEND,
} from './fixtures/marker-initrd.js';

let kernel: DebianKernel;
let artifactsRoot: string;

beforeAll(async () => {
  kernel = await debianKernel();
  // The failures below are deliberate: keep their artifacts out of test-vm/artifacts.
  artifactsRoot = await mkdtemp(join(tmpdir(), 'ucvm-test-vm-artifacts-'));
}, 400_000);

afterAll(async () => {
  await rm(artifactsRoot, { recursive: true, force: true });
});

function alive(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function failure(p: Promise<unknown>): Promise<TestVmError> {
  const e = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(e).toBeInstanceOf(TestVmError);
  return e as TestVmError;
}

describe('harness failure handling', () => {
  it('kills a VM that never prints the expected line at the step deadline and keeps its artifacts', async () => {
    let pid: number | undefined;
    let runDir = '';
    let waitStarted = 0;
    const error = await failure(
      withVmRun(
        'never-prints',
        async (run) => {
          runDir = run.dir;
          const initrd = join(run.dir, 'initrd.img');
          await buildMarkerInitrd(initrd);
          const vm = await run.start({
            kernel: kernel.vmlinuz,
            initrd,
            append: `${MARKER_APPEND} ucvm_test=hang`,
            deadlineMs: 150_000,
          });
          pid = vm.pid;
          const hang = await vm.waitFor(HANG_MARKER, { timeoutMs: 90_000 });
          console.log(
            `[boot-time] never-prints: init reached after ${(hang.elapsedMs / 1000).toFixed(1)} s`,
          );
          waitStarted = performance.now();
          await vm.waitFor(BOOT_MARKER, { timeoutMs: 3_000 });
        },
        { artifactsRoot },
      ),
    );
    const waited = performance.now() - waitStarted;
    expect(error.code).toBe('WAIT_TIMEOUT');
    expect(waited).toBeGreaterThanOrEqual(2_900);
    expect(waited).toBeLessThan(10_000);
    expect(alive(pid)).toBe(false);
    expect(existsSync(runDir)).toBe(false);
    const kept = join(artifactsRoot, 'never-prints-1');
    expect(error.artifactsDir).toBe(kept);
    expect(error.message).toContain(`artifacts kept in: ${kept}`);
    expect(error.message).toContain(HANG_MARKER); // the console tail
    expect(error.message).toContain(
      `never-prints/vm1: console line "${BOOT_MARKER}" did not appear within 3.0 s`,
    );
    expect(error.message).toContain(`serial log: ${join(kept, 'vm1.serial.log')}`);
    expect(error.message).not.toContain(runDir);
    expect((await readdir(kept)).sort()).toEqual([
      'initrd.img',
      'vm1.args.txt',
      'vm1.serial.log',
      'vm1.stderr.log',
    ]);
    expect(readFileSync(join(kept, 'vm1.serial.log'), 'utf8')).toContain(HANG_MARKER);
    expect(readFileSync(join(kept, 'vm1.args.txt'), 'utf8')).toContain('ucvm_test=hang');
  }, 180_000);

  it('kills a VM at its overall deadline while a longer step wait is pending', async () => {
    let pid: number | undefined;
    const started = performance.now();
    const error = await failure(
      withVmRun(
        'overall-deadline',
        async (run) => {
          const initrd = join(run.dir, 'initrd.img');
          await buildMarkerInitrd(initrd);
          const vm = await run.start({
            kernel: kernel.vmlinuz,
            initrd,
            append: `${MARKER_APPEND} ucvm_test=hang`,
            deadlineMs: 2_000,
          });
          pid = vm.pid;
          await vm.waitFor(BOOT_MARKER, { timeoutMs: 90_000 });
        },
        { artifactsRoot },
      ),
    );
    expect(error.code).toBe('VM_DEADLINE');
    expect(performance.now() - started).toBeLessThan(15_000);
    expect(alive(pid)).toBe(false);
    expect(error.artifactsDir).toBe(join(artifactsRoot, 'overall-deadline-1'));
  }, 60_000);

  it('fails fast with VM_EXITED when the guest powers off before the expected line', async () => {
    const error = await failure(
      withVmRun(
        'exits-early',
        async (run) => {
          const initrd = join(run.dir, 'initrd.img');
          await buildMarkerInitrd(initrd);
          const vm = await run.start({ kernel: kernel.vmlinuz, initrd, append: MARKER_APPEND });
          await vm.waitFor('THIS LINE IS NEVER PRINTED', { timeoutMs: 90_000 });
        },
        { artifactsRoot },
      ),
    );
    expect(error.code).toBe('VM_EXITED');
    expect(error.message).toContain('exit code 0');
    expect(error.message).toContain(BOOT_MARKER);
  }, 180_000);

  it('shows QEMU stderr when QEMU refuses its arguments', async () => {
    const error = await failure(
      withVmRun(
        'bad-device',
        async (run) => {
          const vm = await run.start({
            kernel: kernel.vmlinuz,
            extraArgs: ['-device', 'no-such-device-ucvm'],
          });
          await vm.waitFor('anything', { timeoutMs: 30_000 });
        },
        { artifactsRoot },
      ),
    );
    expect(error.code).toBe('VM_EXITED');
    expect(error.message).toContain("'no-such-device-ucvm' is not a valid device model name");
  }, 60_000);

  it('killAllVmsSync (the process-exit hook) leaves no QEMU behind', async () => {
    await withVmRun('kill-all', async (run) => {
      const vm = await run.start({ kernel: kernel.vmlinuz, append: 'console=ttyS0' });
      await vm.waitFor('Linux version', { timeoutMs: 90_000 });
      expect(alive(vm.pid)).toBe(true);
      killAllVmsSync();
      const exit = await vm.closed;
      expect(exit.signal).toBe('SIGKILL');
      expect(alive(vm.pid)).toBe(false);
    });
  }, 120_000);
});
