import { ImagesError } from '../errors.js';
import { GPT_TYPE, readGpt } from '../partition/gpt.js';
import { readMbr, SECTOR } from '../partition/mbr.js';
import { looksLikeFat } from './detect.js';
import { type FileSystemView, fatView } from './file-system.js';
import type { PartitionTable } from './types.js';

// A raw disk (.hdd, .hvm, GCE disk.raw, the content of a VHD/qcow2/VDI/VMDK): its partition
// table (MBR, or GPT behind a protective MBR) and the FAT file system of each partition that
// holds one (build.md §1: one bootable FAT partition with syslinux).

const MBR_TYPES: Record<number, string> = {
  1: 'FAT12',
  4: 'FAT16 <32M',
  6: 'FAT16',
  11: 'FAT32',
  12: 'FAT32 LBA',
  14: 'FAT16 LBA',
  23: 'hidden IFS (isohybrid ISO)',
  130: 'Linux swap',
  131: 'Linux',
  238: 'GPT protective',
  239: 'EFI System',
};

const GPT_NAMES: Record<string, string> = {
  [GPT_TYPE.efiSystem]: 'EFI System',
  [GPT_TYPE.basicData]: 'Microsoft basic data',
  [GPT_TYPE.linuxFilesystem]: 'Linux filesystem',
  [GPT_TYPE.biosBoot]: 'BIOS boot',
};

export const hex2 = (n: number) => n.toString(16).padStart(2, '0');

/** The partition table at the start of `disk` (MBR, or the GPT a protective MBR announces). */
export function readPartitionTable(disk: Uint8Array): PartitionTable {
  const mbr = readMbr(disk.subarray(0, SECTOR));
  if (mbr.partitions.some((p) => p.type === 0xee)) {
    const gpt = readGpt(disk.subarray(0, 34 * SECTOR));
    return {
      scheme: 'gpt',
      diskId: gpt.diskGuid,
      partitions: gpt.partitions.map((p) => {
        const info: PartitionTable['partitions'][number] = {
          index: p.index,
          type: p.type,
          typeName: GPT_NAMES[p.type] ?? 'unknown',
          bootable: ((p.attributes ?? 0n) & 4n) !== 0n, // bit 2: legacy BIOS bootable
          start: p.start,
          sectors: p.sectors,
        };
        if (p.name) info.name = p.name;
        return info;
      }),
    };
  }
  return {
    scheme: 'mbr',
    diskId: mbr.diskSignature.toString(16).padStart(8, '0'),
    partitions: mbr.partitions.map((p) => ({
      index: p.index,
      type: hex2(p.type),
      typeName: MBR_TYPES[p.type] ?? 'unknown',
      bootable: p.bootable === true,
      start: p.start,
      sectors: p.sectors,
    })),
  };
}

/** The partition table and the FAT file systems of a raw disk. */
export function readDisk(disk: Uint8Array): { table: PartitionTable; views: FileSystemView[] } {
  const table = readPartitionTable(disk);
  const views: FileSystemView[] = [];
  for (const p of table.partitions) {
    const start = p.start * SECTOR;
    const end = (p.start + p.sectors) * SECTOR;
    if (p.typeName.startsWith('hidden IFS') || p.typeName === 'GPT protective') continue;
    if (end > disk.length) {
      throw new ImagesError(
        'INSPECT_TRUNCATED',
        `partition ${p.index} ends at byte ${end} but the disk is ${disk.length} bytes`,
        'the file was cut: copy or download it again',
        1,
      );
    }
    const part = disk.subarray(start, end);
    if (looksLikeFat(part)) views.push(fatView(part, `partition ${p.index}`, start));
  }
  return { table, views };
}
