import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImagesError } from '../errors.js';
import { ovfDescriptor } from './ovf.js';
import { convertWithQemuImg } from './qemu-img.js';

// The disks of an OVF appliance (.ova, Vagrant .box; build.md §1): the boot disk is the raw hdd
// as a stream-optimised VMDK, the scratch disk an empty one (µCernVM keeps its CernVM-FS cache
// and the OS's writable layer there; runtime.md). The scratch disk is a sparse VMDK: its
// virtual size costs nothing in the package (a 20 GiB one is about 2.6 MiB of grain tables).
// Both come from qemu-img with their content ids derived from the hdd (qemu-img.ts, vmdk.ts).

/** Default virtual size of the scratch disk: 20 GiB, the size CernVM appliances ship with. */
export const DEFAULT_SCRATCH_BYTES = 20 * 1024 ** 3;

export interface ApplianceDisk {
  /** File name in the package; the VMDK descriptor names its extent after it. */
  name: string;
  data: Uint8Array;
  /** Virtual size in bytes. */
  capacity: number;
}

export interface ApplianceDiskOptions {
  /** File names of the boot and the scratch disk. */
  bootName: string;
  scratchName: string;
  /** Virtual size of the scratch disk (bytes, a multiple of 1 MiB); default 20 GiB. */
  scratchBytes?: number;
  qemuImg?: string;
}

/** Converts the raw hdd at `rawPath` and makes the empty scratch disk, in a private temp dir. */
export async function applianceDisks(
  rawPath: string,
  opts: ApplianceDiskOptions,
): Promise<{ disks: [ApplianceDisk, ApplianceDisk]; seed: string }> {
  const scratchBytes = opts.scratchBytes ?? DEFAULT_SCRATCH_BYTES;
  if (!Number.isSafeInteger(scratchBytes) || scratchBytes <= 0 || scratchBytes % 2 ** 20 !== 0) {
    throw new ImagesError(
      'OVF_BAD_OPTION',
      `scratch disk size ${scratchBytes} is not a positive multiple of 1 MiB`,
      'e.g. 21474836480 (20 GiB)',
    );
  }
  const raw = await readFile(rawPath);
  const seed = createHash('sha256').update(raw).digest('hex');
  const work = await mkdtemp(join(tmpdir(), 'ucvm-ovf-'));
  try {
    const q = opts.qemuImg === undefined ? {} : { qemuImg: opts.qemuImg };
    const boot = join(work, opts.bootName);
    await convertWithQemuImg(rawPath, boot, 'vmdk', { ...q, seed });
    const emptyRaw = join(work, 'scratch.raw');
    await writeFile(emptyRaw, new Uint8Array(0));
    await truncate(emptyRaw, scratchBytes); // a hole: qemu-img skips it by SEEK_DATA
    const scratch = join(work, opts.scratchName);
    await convertWithQemuImg(emptyRaw, scratch, 'vmdk', { ...q, seed: `${seed}:scratch` });
    return {
      disks: [
        { name: opts.bootName, data: await readFile(boot), capacity: raw.length },
        { name: opts.scratchName, data: await readFile(scratch), capacity: scratchBytes },
      ],
      seed,
    };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** What an appliance's descriptor says about the VM besides its disks. */
export interface ApplianceOptions extends ApplianceDiskOptions {
  vmName: string;
  description: string;
  cpus?: number;
  memoryMiB?: number;
}

/** The two disks and the OVF descriptor naming them: what .ova and .box both package. */
export async function appliance(
  rawPath: string,
  opts: ApplianceOptions,
): Promise<{ disks: [ApplianceDisk, ApplianceDisk]; seed: string; ovf: string }> {
  const { disks, seed } = await applianceDisks(rawPath, opts);
  const ovf = ovfDescriptor({
    name: opts.vmName,
    description: opts.description,
    disks: disks.map((d) => ({ file: d.name, fileSize: d.data.length, capacity: d.capacity })),
    ...(opts.cpus === undefined ? {} : { cpus: opts.cpus }),
    ...(opts.memoryMiB === undefined ? {} : { memoryMiB: opts.memoryMiB }),
  });
  return { disks, seed, ovf };
}
