import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { withVmRun } from '../src/index.js';
import { type DebianKernel, debianKernel } from './fixtures/debian-kernel.js';
import {
  BOOT_MARKER,
  buildMarkerInitrd,
  CMDLINE_MARKER,
  MARKER_APPEND,
} from './fixtures/marker-initrd.js';

let kernel: DebianKernel;

beforeAll(async () => {
  kernel = await debianKernel();
}, 400_000);

describe('QEMU harness smoke test (Debian kernel + busybox marker initrd)', () => {
  it('boots to the marker, then QEMU exits; success removes the run directory', async () => {
    let runDir = '';
    await withVmRun('smoke-busybox', async (run) => {
      runDir = run.dir;
      const initrd = join(run.dir, 'initrd.img');
      await buildMarkerInitrd(initrd);
      const vm = await run.start({
        kernel: kernel.vmlinuz,
        initrd,
        append: MARKER_APPEND,
        deadlineMs: 150_000,
      });
      const boot = await vm.waitFor(new RegExp(`${BOOT_MARKER} loader=(\\S*)`), {
        timeoutMs: 90_000,
      });
      console.log(
        `[boot-time] smoke-busybox (${kernel.release}): marker after ${(boot.elapsedMs / 1000).toFixed(1)} s`,
      );
      expect(boot.groups?.[1]).toBe('direct');
      const cmdline = await vm.waitFor(CMDLINE_MARKER, { timeoutMs: 10_000 });
      expect(cmdline.line).toContain('ucvm_loader=direct');
      const exit = await vm.waitForExit({ timeoutMs: 30_000 });
      console.log(
        `[boot-time] smoke-busybox: QEMU exited after ${(exit.elapsedMs / 1000).toFixed(1)} s`,
      );
      expect(exit).toMatchObject({ code: 0, signal: null });
      // The kernel's own banner reached the serial log too.
      expect(vm.console.lines.some((l) => l.includes('Linux version'))).toBe(true);
      expect(existsSync(vm.serialLogPath)).toBe(true);
    });
    expect(runDir).not.toBe('');
    expect(existsSync(runDir)).toBe(false);
  }, 180_000);
});
