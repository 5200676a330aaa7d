import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BootVariant } from '@ucvm/bootloader';
import {
  convertWithQemuImg,
  gceTarGz,
  writeBox,
  writeFixedVhd,
  writeImageFile,
  writeOva,
} from '@ucvm/images';
import { imageBase } from './names.js';
import type { BaseFormat } from './write-image.js';

// Derived formats (build.md §1): each is an hdd whose boot configuration comes from the
// bootloader description of its variant (build.md §6: console settings are never edited into a
// finished image), then wrapped or converted. The intermediate raw disk lives in a private
// temporary directory; only the product lands in the output directory (atomically).

export const DERIVED_FORMATS = ['hvm', 'gce', 'vhd', 'qcow2', 'vdi', 'vmdk', 'ova', 'box'] as const;
export type DerivedFormat = (typeof DERIVED_FORMATS)[number];
/** Everything `ucvm build` writes per branch. */
export type BuildFormat = BaseFormat | DerivedFormat;

/** The boot variant of the hdd a format is made from. */
export const DERIVED_VARIANT: Record<DerivedFormat, Exclude<BootVariant, 'debug'>> = {
  hvm: 'hvm', // EC2 HVM: serial console ttyS0
  gce: 'gce', // Compute Engine: ttyS0 at 38400 8N1
  vhd: 'azure', // Azure: ttyS0 + earlyprintk
  qcow2: 'default',
  vdi: 'default',
  vmdk: 'default',
  ova: 'default', // VirtualBox / VMware desktop appliance
  box: 'default', // Vagrant, virtualbox provider
};

/** Derived formats that need qemu-img (build.md §7: checked at start). */
export const QEMU_IMG_DERIVED: readonly DerivedFormat[] = ['qcow2', 'vdi', 'vmdk', 'ova', 'box'];

/** Whose image a product is: names the appliance inside .ova and .box. */
export interface DerivedImageName {
  branch: string;
  strong: string;
}

/** The file-name suffix of a format (`gce` is the `.tar.gz` Compute Engine imports). */
export const formatSuffix = (format: string) => (format === 'gce' ? 'tar.gz' : format);

export const isDerived = (format: string): format is DerivedFormat =>
  (DERIVED_FORMATS as readonly string[]).includes(format);

/**
 * Writes the `format` product at `path`; `writeHdd` writes the variant's raw hdd to a path.
 * The hvm product is that raw disk itself.
 */
export async function writeDerived(
  format: DerivedFormat,
  path: string,
  writeHdd: (rawPath: string) => Promise<void>,
  sourceDateEpoch: number,
  image: DerivedImageName,
): Promise<void> {
  if (format === 'hvm') return writeHdd(path);
  const work = await mkdtemp(join(tmpdir(), 'ucvm-derived-'));
  try {
    const rawPath = join(work, 'disk.raw');
    await writeHdd(rawPath);
    if (format === 'qcow2' || format === 'vdi' || format === 'vmdk') {
      await convertWithQemuImg(rawPath, path, format); // ids derived from the raw's sha256
      return;
    }
    if (format === 'ova' || format === 'box') {
      // The VM is named after the branch; the description carries the full version.
      const appliance = {
        vmName: `ucernvm-${image.branch}`,
        description: `uCernVM ${image.strong}, branch ${image.branch}`,
        sourceDateEpoch,
      };
      if (format === 'ova') {
        await writeOva(rawPath, path, {
          ...appliance,
          base: imageBase(image.branch, image.strong),
        });
      } else await writeBox(rawPath, path, appliance);
      return;
    }
    const raw = await readFile(rawPath);
    await writeImageFile(
      path,
      format === 'gce'
        ? [gceTarGz(raw, { sourceDateEpoch })]
        : writeFixedVhd(raw, { sourceDateEpoch }),
    );
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
