import { createHash } from 'node:crypto';
import { ImagesError } from '../errors.js';
import { type ImageChunk, writeImageFile } from '../output.js';
import { writeUstar } from '../tar/ustar.js';
import { type ApplianceDisk, appliance } from './ovf-disks.js';

// OVF package in one file (.ova; DSP0243 §5.3, build.md §1): a ustar archive whose first
// member is the descriptor, followed by the manifest and then the files in the order of the
// descriptor's References section. The manifest lists the SHA-256 of the descriptor and of
// every disk as `SHA256(<file>)= <hex>` lines (the digest form OVF 2.0 defines and VirtualBox
// and ovftool accept for 1.0 packages too). Members are root-owned, mode 0644, mtime
// SOURCE_DATE_EPOCH (ustar.ts): the archive depends only on its inputs.

export interface OvaOptions {
  /** Base name of the members: `<base>.ovf`, `<base>.mf`, `<base>-disk1.vmdk`, … */
  base: string;
  /** VirtualSystem name (the VM's name on import). */
  vmName: string;
  description: string;
  sourceDateEpoch: number;
  cpus?: number;
  memoryMiB?: number;
  /** Scratch disk virtual size in bytes (default 20 GiB). */
  scratchBytes?: number;
  qemuImg?: string;
}

/** One manifest line per file, in the given order (DSP0243 §5.1). */
export function ovfManifest(files: readonly { name: string; data: Uint8Array }[]): string {
  return files
    .map((f) => `SHA256(${f.name})= ${createHash('sha256').update(f.data).digest('hex')}\n`)
    .join('');
}

/** The .ova archive from a descriptor and its disks (pure). */
export function ovaArchive(args: {
  base: string;
  ovf: string;
  disks: readonly ApplianceDisk[];
  sourceDateEpoch: number;
}): ImageChunk[] {
  const ovf = { name: `${args.base}.ovf`, data: Buffer.from(args.ovf, 'utf8') };
  for (const d of args.disks) {
    if (!args.ovf.includes(`ovf:href="${d.name}"`)) {
      throw new ImagesError(
        'OVA_UNREFERENCED',
        `disk ${d.name} is not referenced by the OVF descriptor`,
        'build the descriptor from the same disk list',
      );
    }
  }
  const mf = { name: `${args.base}.mf`, data: Buffer.from(ovfManifest([ovf, ...args.disks])) };
  return writeUstar(
    [ovf, mf, ...args.disks].map((f) => ({ name: f.name, type: 'file', data: f.data })),
    { sourceDateEpoch: args.sourceDateEpoch },
  );
}

/** Writes the .ova of the raw hdd at `rawPath` to `outPath` (atomically). */
export async function writeOva(rawPath: string, outPath: string, opts: OvaOptions): Promise<void> {
  const { disks, ovf } = await appliance(rawPath, {
    ...opts,
    bootName: `${opts.base}-disk1.vmdk`,
    scratchName: `${opts.base}-disk2.vmdk`,
  });
  await writeImageFile(
    outPath,
    ovaArchive({ base: opts.base, ovf, disks, sourceDateEpoch: opts.sourceDateEpoch }),
  );
}
