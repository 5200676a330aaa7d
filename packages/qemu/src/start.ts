import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { delimiter, isAbsolute, join } from 'node:path';
import { resolveAccel } from './accel.js';
import { type Accel, DEFAULT_OVMF } from './args.js';
import { QemuError } from './errors.js';
import { QEMU_BINARY, type SpawnVmOptions, spawnVm, type Vm } from './vm.js';

export type StartVmOptions = Omit<SpawnVmOptions, 'accel'> & {
  /** Default: resolved from UCVM_QEMU_ACCEL (see `resolveAccel`). */
  accel?: Accel;
};

async function readable(path: string): Promise<boolean> {
  try {
    await access(path, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

async function onPath(program: string): Promise<boolean> {
  if (isAbsolute(program)) return readable(program);
  const dirs = (process.env['PATH'] ?? '').split(delimiter).filter((d) => d !== '');
  for (const d of dirs) if (await readable(join(d, program))) return true;
  return false;
}

/** Checks that QEMU, the firmware and every input file exist, then starts the VM. */
export async function startVm(options: StartVmOptions): Promise<Vm> {
  const qemu = options.qemuBinary ?? QEMU_BINARY;
  if (!(await onPath(qemu))) {
    throw new QemuError(
      'QEMU_NOT_FOUND',
      `${qemu} is not installed`,
      'apt-get install -y qemu-system-x86',
    );
  }
  const ovmf = options.ovmfPath ?? DEFAULT_OVMF;
  if (options.firmware === 'uefi' && !(await readable(ovmf))) {
    throw new QemuError(
      'QEMU_NOT_FOUND',
      `UEFI firmware ${ovmf} is missing`,
      'apt-get install -y ovmf',
    );
  }
  const inputs: [string, string | undefined][] = [
    ['kernel', options.kernel],
    ['initrd', options.initrd],
    ...(options.drives ?? []).map((d, i): [string, string] => [`drives[${i}]`, d.file]),
    ...(options.cdroms ?? []).map((c, i): [string, string] => [`cdroms[${i}]`, c]),
  ];
  for (const [what, path] of inputs) {
    if (path !== undefined && !(await readable(path))) {
      throw new QemuError(
        'BAD_OPTION',
        `${what} file does not exist or is unreadable: ${path}`,
        'build it first',
      );
    }
  }
  const accel = options.accel ?? (await resolveAccel());
  return spawnVm({ ...options, accel });
}
