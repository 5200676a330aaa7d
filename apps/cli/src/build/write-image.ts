import { buildHdd, type TreeEntry, writeFat, writeFatFile, writeIsoFile } from '@ucvm/images';
import { espTree } from './image-tree.js';
import type { LoaderFiles } from './loaders.js';

/** The formats written here; the derived ones (hvm, vhd, …) are made from an hdd in derived.ts. */
export const BASE_FORMATS = ['iso', 'hdd', 'fat'] as const;
export type BaseFormat = (typeof BASE_FORMATS)[number];

const MiB = 1024 * 1024;

function treeBytes(tree: readonly TreeEntry[]): number {
  return tree.reduce((n, e) => n + (e.data?.length ?? 0), 0);
}

/** Whole MiB holding the files plus room for FAT metadata and slack (notes §5.1: du + 4 MiB). */
export function fatSize(tree: readonly TreeEntry[], minimum = 0): number {
  return Math.max(minimum, (Math.ceil(treeBytes(tree) / MiB) + 4) * MiB);
}

/**
 * Writes one image of the build.md §2 tree, atomically (build.md §7).
 * - iso: isolinux El Torito entry with boot-info-table, a UEFI entry (a FAT ESP holding
 *   EFI/BOOT), isohybrid MBR (notes §3).
 * - hdd: MBR with mbr.bin, one active FAT partition at 1 MiB, syslinux installed; 24 MiB like
 *   the original unless the tree needs more (notes §4).
 * - fat: a bare FAT file system for PV-GRUB (notes §5).
 */
export async function writeImage(
  format: BaseFormat,
  path: string,
  tree: readonly TreeEntry[],
  loaders: LoaderFiles,
  sourceDateEpoch: number,
): Promise<void> {
  switch (format) {
    case 'iso': {
      const esp = espTree(tree);
      const espImage = writeFat(esp, {
        // FAT12 of whole MiB with 1 MiB slack: ~2 MiB for GRUB's ~0.7 MiB (notes §3.1).
        sizeBytes: (Math.ceil(treeBytes(esp) / MiB) + 1) * MiB,
        sourceDateEpoch,
        label: 'UCVM_EFI',
      });
      await writeIsoFile(
        path,
        [...tree, { path: 'boot/efiboot.img', type: 'file', data: espImage }],
        {
          sourceDateEpoch,
          volumeId: 'UCERNVM',
          bios: { bootFile: 'isolinux/isolinux.bin' },
          efi: { image: 'boot/efiboot.img' },
          isohybrid: { mbrCode: loaders.isohdpfx },
        },
      );
      return;
    }
    case 'hdd':
      await buildHdd(path, tree, {
        sourceDateEpoch,
        mbrCode: loaders.mbrBin,
        sizeBytes: Math.max(24 * MiB, fatSize(tree) + 2 * MiB),
      });
      return;
    case 'fat':
      await writeFatFile(path, tree, {
        sizeBytes: fatSize(tree),
        sourceDateEpoch,
        label: 'UCERNVM',
      });
      return;
  }
}
