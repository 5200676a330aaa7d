import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QemuError } from './errors.js';
import { PROBE_MARKER, probeBootSector } from './probe-sector.js';
import { spawnVm } from './vm.js';

// The probe boot sector without isa-debug-exit prints its marker and then halts for good:
// a VM that only ends when someone ends it.
let dir: string;
let disk: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ucvm-qemu-vm-test-'));
  disk = join(dir, 'probe.img');
  const image = new Uint8Array(64 * 1024);
  image.set(probeBootSector(), 0);
  await writeFile(disk, image);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const base = () => ({
  accel: 'tcg' as const,
  workDir: dir,
  drives: [{ file: disk, interface: 'ide' as const, mode: 'snapshot' as const }],
  memoryMiB: 64,
});

describe('Vm', () => {
  it('refuses a deadline that is not positive or too long for a timer, before starting QEMU', () => {
    for (const deadlineMs of [0, -1, Number.NaN, 2 ** 31]) {
      expect(() => spawnVm({ ...base(), name: 'bad', deadlineMs })).toThrow(QemuError);
    }
  });

  it('hands raw serial bytes to onSerial and quits on Ctrl-A X with the multiplexed console', async () => {
    const chunks: Uint8Array[] = [];
    const vm = spawnVm({
      ...base(),
      name: 'mux',
      serialMux: true,
      deadlineMs: Number.POSITIVE_INFINITY,
      onSerial: (c) => chunks.push(c),
    });
    try {
      await vm.waitFor(PROBE_MARKER, { timeoutMs: 30_000 });
      expect(Buffer.concat(chunks).toString('latin1')).toContain(`${PROBE_MARKER}\r\n`);
      vm.input('\x01x'); // QEMU's mux escape: Ctrl-A X terminates QEMU
      const exit = await vm.waitForExit({ timeoutMs: 30_000 });
      expect(exit.code).toBe(0);
    } finally {
      await vm.kill();
    }
  });
});
