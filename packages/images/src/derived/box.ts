import { gzipSync } from 'node:zlib';
import { ImagesError } from '../errors.js';
import { concatChunks, writeImageFile } from '../output.js';
import { writeUstar } from '../tar/ustar.js';
import { deriveBytes } from '../util/ids.js';
import { type ApplianceDisk, appliance } from './ovf-disks.js';

// Vagrant box for the virtualbox provider (build.md §1 ".box"): a gzip-compressed tar holding
// `box.ovf` (the same OVF 1.0 descriptor as the .ova), its disks `box-disk001.vmdk` (boot)
// and `box-disk002.vmdk` (scratch), `metadata.json` naming the provider, and a `Vagrantfile`
// with the base MAC Vagrant gives the first NIC. Members sorted by name, root-owned, mtime
// SOURCE_DATE_EPOCH (ustar.ts); gzip header with mtime 0, no name, OS byte pinned to 3 (Unix)
// so the bytes do not depend on the zlib build.

export const BOX_OVF_NAME = 'box.ovf';
export const BOX_DISK_NAMES = ['box-disk001.vmdk', 'box-disk002.vmdk'] as const;

export interface BoxOptions {
  vmName: string;
  description: string;
  sourceDateEpoch: number;
  cpus?: number;
  memoryMiB?: number;
  scratchBytes?: number;
  qemuImg?: string;
  /** zlib level, default 9. */
  level?: number;
}

/** A MAC in VirtualBox's OUI 08:00:27, the rest derived from `seed` (12 hex digits, no colons). */
export function boxBaseMac(seed: string): string {
  return `080027${deriveBytes(seed, 'box-base-mac').subarray(0, 3).toString('hex')}`;
}

/** The box's Vagrantfile (Ruby, read by Vagrant before the user's own). */
export function boxVagrantfile(vmName: string, baseMac: string): string {
  if (!/^[A-Za-z0-9._+~-]+$/.test(vmName) || !/^[0-9a-f]{12}$/.test(baseMac)) {
    throw new ImagesError(
      'BOX_BAD_OPTION',
      `box name ${JSON.stringify(vmName)} or base MAC ${JSON.stringify(baseMac)} is malformed`,
      'use a name of [A-Za-z0-9._+~-] and a MAC of 12 lower-case hex digits',
    );
  }
  return [
    `# ${vmName} (uCernVM), written by ucvm.`,
    '# uCernVM boots its OS from CernVM-FS and has no VirtualBox guest additions:',
    '# shared folders are off; contextualise with user data instead.',
    'Vagrant.configure("2") do |config|',
    `  config.vm.base_mac = "${baseMac}"`,
    '  config.vm.synced_folder ".", "/vagrant", disabled: true',
    'end',
    '',
  ].join('\n');
}

/** The .box archive (pure): gzip of a sorted ustar. */
export function boxArchive(args: {
  ovf: string;
  disks: readonly ApplianceDisk[];
  vagrantfile: string;
  sourceDateEpoch: number;
  level?: number;
}): Uint8Array {
  const files = [
    { name: BOX_OVF_NAME, data: Buffer.from(args.ovf, 'utf8') },
    ...args.disks.map((d) => ({ name: d.name, data: d.data })),
    { name: 'metadata.json', data: Buffer.from('{"provider":"virtualbox"}\n') },
    { name: 'Vagrantfile', data: Buffer.from(args.vagrantfile, 'utf8') },
  ].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const tar = concatChunks(
    writeUstar(
      files.map((f) => ({ name: f.name, type: 'file', data: f.data })),
      { sourceDateEpoch: args.sourceDateEpoch },
    ),
  );
  const gz = gzipSync(tar, { level: args.level ?? 9 });
  gz[9] = 3; // RFC 1952 §2.3.1 OS: Unix, whatever the zlib build says
  return gz;
}

/** Writes the Vagrant box of the raw hdd at `rawPath` to `outPath` (atomically). */
export async function writeBox(rawPath: string, outPath: string, opts: BoxOptions): Promise<void> {
  const { disks, seed, ovf } = await appliance(rawPath, {
    ...opts,
    bootName: BOX_DISK_NAMES[0],
    scratchName: BOX_DISK_NAMES[1],
  });
  const box = boxArchive({
    ovf,
    disks,
    vagrantfile: boxVagrantfile(opts.vmName, boxBaseMac(seed)),
    sourceDateEpoch: opts.sourceDateEpoch,
    ...(opts.level === undefined ? {} : { level: opts.level }),
  });
  await writeImageFile(outPath, [box]);
}
