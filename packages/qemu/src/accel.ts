import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Accel } from './args.js';
import { QemuError } from './errors.js';
import { DEBUG_EXIT_DEVICE, PROBE_MARKER, probeBootSector } from './probe-sector.js';
import { spawnVm } from './vm.js';

/** Deadline of the KVM probe: a working KVM prints the marker well within a second. */
export const PROBE_TIMEOUT_MS = 15_000;

export type AccelSetting = 'tcg' | 'kvm' | 'auto';

/** Reads `UCVM_QEMU_ACCEL` (default `tcg`: on the reference machine KVM hangs or asserts). */
export function accelSetting(
  value: string | undefined = process.env['UCVM_QEMU_ACCEL'],
): AccelSetting {
  const v = (value ?? '').trim();
  if (v === '') return 'tcg';
  if (v === 'tcg' || v === 'kvm' || v === 'auto') return v;
  throw new QemuError(
    'BAD_OPTION',
    `UCVM_QEMU_ACCEL has an unknown value: ${JSON.stringify(value)}`,
    'set it to tcg, kvm or auto (or unset it for tcg)',
  );
}

/**
 * Boots the probe boot sector with `accel` and reports whether it printed the marker within
 * `timeoutMs`. Never throws for a broken accelerator: a hang, an assertion or a refusal is
 * simply `false`. The VM is always gone when this resolves.
 */
export async function probeAccel(
  accel: Accel,
  opts: { timeoutMs?: number; qemuBinary?: string } = {},
): Promise<boolean> {
  const dir = await mkdtemp(join(tmpdir(), `ucvm-accel-probe-${accel}-`));
  try {
    const disk = join(dir, 'probe.img');
    const image = new Uint8Array(64 * 1024);
    image.set(probeBootSector(), 0);
    await writeFile(disk, image);
    const timeoutMs = opts.timeoutMs ?? PROBE_TIMEOUT_MS;
    const vm = spawnVm({
      name: 'probe',
      workDir: dir,
      accel,
      drives: [{ file: disk, interface: 'ide', mode: 'snapshot' }],
      extraArgs: ['-device', DEBUG_EXIT_DEVICE],
      memoryMiB: 64,
      deadlineMs: timeoutMs + 5_000,
      ...(opts.qemuBinary === undefined ? {} : { qemuBinary: opts.qemuBinary }),
    });
    try {
      await vm.waitFor(PROBE_MARKER, { timeoutMs });
      return true;
    } catch (e) {
      if (e instanceof QemuError) return false;
      throw e;
    } finally {
      await vm.kill();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const probes = new Map<Accel, Promise<boolean>>();

/** `probeAccel` once per accelerator and process. */
export function probeAccelCached(accel: Accel): Promise<boolean> {
  let p = probes.get(accel);
  if (!p) {
    p = probeAccel(accel);
    probes.set(accel, p);
  }
  return p;
}

/**
 * The accelerator to use: `tcg` unless UCVM_QEMU_ACCEL asks for KVM and the probe proves it
 * works (testing.md §4). `kvm` with a failing probe is an error; `auto` falls back to TCG.
 */
export async function resolveAccel(setting: AccelSetting = accelSetting()): Promise<Accel> {
  if (setting === 'tcg') return 'tcg';
  if (await probeAccelCached('kvm')) return 'kvm';
  if (setting === 'auto') return 'tcg';
  throw new QemuError(
    'ACCEL_UNAVAILABLE',
    `UCVM_QEMU_ACCEL=kvm but the KVM probe VM did not print ${PROBE_MARKER} within ${PROBE_TIMEOUT_MS / 1000} s`,
    'use UCVM_QEMU_ACCEL=tcg (or auto), or check /dev/kvm and the host KVM module',
  );
}
