import { readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { accelSetting, probeAccel, resolveAccel, TestVmError } from '../src/index.js';

describe('accelerator selection', () => {
  it('defaults to tcg and refuses unknown UCVM_QEMU_ACCEL values', () => {
    expect(accelSetting(undefined)).toBe('tcg');
    expect(accelSetting('')).toBe('tcg');
    expect(accelSetting('auto')).toBe('auto');
    expect(() => accelSetting('hvf')).toThrow(TestVmError);
    expect(() => accelSetting('hvf')).toThrow('UCVM_QEMU_ACCEL has an unknown value: "hvf"');
  });

  it('uses tcg without probing when asked for tcg', async () => {
    expect(await resolveAccel('tcg')).toBe('tcg');
  });

  it('the probe VM prints its marker under TCG and is gone afterwards', async () => {
    const t = performance.now();
    expect(await probeAccel('tcg', { timeoutMs: 30_000 })).toBe(true);
    console.log(`[boot-time] accel probe (tcg): ${((performance.now() - t) / 1000).toFixed(1)} s`);
    const left = (await readdir(tmpdir())).filter((d) => d.startsWith('ucvm-accel-probe-tcg-'));
    expect(left).toEqual([]);
  }, 60_000);

  it('a probe with a broken or missing accelerator answers false within its deadline', async () => {
    const t = performance.now();
    // A QEMU binary that does not exist stands for an accelerator that cannot start.
    expect(await probeAccel('kvm', { timeoutMs: 5_000, qemuBinary: '/nonexistent/qemu' })).toBe(
      false,
    );
    expect(performance.now() - t).toBeLessThan(10_000);
  }, 30_000);
});
