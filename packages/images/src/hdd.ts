import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { execa } from 'execa';
import { ImagesError } from './errors.js';
import { layoutFat } from './fat/writer.js';
import { writeImageFile } from './output.js';
import { writeMbr } from './partition/mbr.js';
import { resolveTree, type TreeEntry, treeDigest } from './tree.js';
import { deriveU32 } from './util/ids.js';
import { checkEpoch } from './util/time.js';

// The raw hard-disk image (build.md §1 "hdd", image-recipes.md §4): MBR with syslinux's
// mbr.bin code and the active flag (Debian's `syslinux --install` ignores --mbr/--active),
// one FAT partition at 1 MiB holding the tree, then `syslinux --install --offset` writes
// ldlinux.sys and the partition boot sector. Nothing is mounted; no root needed.

export interface HddOptions {
  sourceDateEpoch: number;
  /** syslinux's mbr.bin (its first 440 bytes are the MBR code). */
  mbrCode: Uint8Array;
  /** Disk size, default 24 MiB like the original. */
  sizeBytes?: number;
  /** Partition start in sectors, default 2048 (1 MiB). */
  partitionStart?: number;
  label?: string;
  /** Seed for the disk signature and the FAT serial (default: the tree digest). */
  seed?: string;
  /** Where ldlinux.sys goes and syslinux.cfg is read from (default "/isolinux"). */
  syslinuxDirectory?: string;
  /** The syslinux installer to run (default: `syslinux` on PATH). */
  syslinux?: string;
}

export interface HddResult {
  sizeBytes: number;
  partitionStart: number;
  partitionSectors: number;
  diskSignature: number;
  volumeId: number;
  fatType: 12 | 16 | 32;
}

const PART_TYPE = { 12: 0x01, 16: 0x0e, 32: 0x0c } as const;

/** Finds an executable by name on PATH (or checks an explicit path). */
export async function findTool(name: string, pkg: string): Promise<string> {
  const candidates = name.includes('/')
    ? [name]
    : (process.env.PATH ?? '').split(delimiter).map((d) => join(d, name));
  for (const c of candidates) {
    try {
      await access(c, constants.X_OK);
      return c;
    } catch {
      // try the next directory
    }
  }
  throw new ImagesError(
    'TOOL_MISSING',
    `${name} not found${name.includes('/') ? '' : ' on PATH'}`,
    `install the Debian package "${pkg}" (apt-get install -y ${pkg})`,
    1,
  );
}

/** Builds the HDD image at `path` (atomically). Checks for the syslinux installer first. */
export async function buildHdd(
  path: string,
  tree: readonly TreeEntry[],
  opts: HddOptions,
): Promise<HddResult> {
  const syslinux = await findTool(opts.syslinux ?? 'syslinux', 'syslinux');
  const epoch = checkEpoch(opts.sourceDateEpoch);
  const sizeBytes = opts.sizeBytes ?? 24 * 1024 * 1024;
  const start = opts.partitionStart ?? 2048;
  const dir = (opts.syslinuxDirectory ?? '/isolinux').replace(/\/+$/, '');
  const entries = resolveTree(tree);
  const cfg = `${dir.replace(/^\/+/, '')}/syslinux.cfg`;
  if (!entries.some((e) => e.path === cfg && e.type === 'file')) {
    throw new ImagesError(
      'HDD_NO_SYSLINUX_CFG',
      `the tree has no /${cfg}; SYSLINUX on the disk reads that file, not isolinux.cfg`,
      'add syslinux.cfg (a copy of isolinux.cfg) to the tree (image-recipes.md §4.5)',
    );
  }
  if (opts.mbrCode.length < 440) {
    throw new ImagesError(
      'HDD_BAD_MBR_CODE',
      `MBR code is ${opts.mbrCode.length} bytes, expected syslinux mbr.bin (440)`,
      'use /usr/lib/syslinux/mbr/mbr.bin',
    );
  }
  if (sizeBytes % 512 !== 0 || sizeBytes <= (start + 1) * 512) {
    throw new ImagesError(
      'HDD_BAD_SIZE',
      `disk size ${sizeBytes} does not leave room for a partition at sector ${start}`,
      'use a multiple of 512 of a few MiB',
    );
  }
  const seed = opts.seed ?? treeDigest(entries);
  const partitionSectors = sizeBytes / 512 - start;
  const fat = layoutFat(entries, {
    sizeBytes: partitionSectors * 512,
    sourceDateEpoch: epoch,
    label: opts.label ?? 'UCERNVM',
    seed,
    hiddenSectors: start,
  });
  const diskSignature = deriveU32(seed, 'hdd-disk-signature');
  const mbr = writeMbr({
    bootCode: opts.mbrCode,
    diskSignature,
    partitions: [
      { start, sectors: partitionSectors, type: PART_TYPE[fat.geometry.fatType], bootable: true },
    ],
  });
  await writeImageFile(path, [mbr, start * 512 - mbr.length, ...fat.chunks], async (tmp) => {
    try {
      await execa(
        syslinux,
        ['--install', '--offset', String(start * 512), '--directory', dir, tmp],
        {
          // mtools inside the installer stamps ldlinux.* with "now" in local time: pin both.
          env: { SOURCE_DATE_EPOCH: String(epoch), TZ: 'UTC', LC_ALL: 'C', MTOOLS_SKIP_CHECK: '1' },
          extendEnv: true,
          timeout: 60_000,
          stdin: 'ignore',
        },
      );
    } catch (e) {
      const err = e as { stderr?: string; shortMessage?: string };
      throw new ImagesError(
        'HDD_SYSLINUX_FAILED',
        `${syslinux} --install failed: ${(err.stderr || err.shortMessage || String(e)).trim()}`,
        'check that the tree has the syslinux directory and the partition is large enough',
        1,
      );
    }
  });
  return {
    sizeBytes,
    partitionStart: start,
    partitionSectors,
    diskSignature,
    volumeId: fat.volumeId,
    fatType: fat.geometry.fatType,
  };
}
