/**
 * Modules the init needs to reach disks, network, FUSE, overlayfs, ext4, vfat, iso9660 and udf
 * (build.md §5), as names for moduleClosure(). The list of image-recipes.md §7.2 (measured on
 * Debian's 6.1 kernel), plus udf (build.md §5) and virtio_rng (entropy, §8.3).
 */
export const DEFAULT_INITRD_MODULES: readonly string[] = [
  'virtio_blk',
  'virtio_pci',
  'virtio_scsi',
  'virtio_net',
  'virtio_rng',
  'sd_mod',
  'sr_mod',
  'ata_piix',
  'ahci',
  // NVMe disks (runtime.md §3 01-modules loads nvme; §8.4 "blank NVMe disk").
  'nvme',
  'ext4',
  'crc32c_generic',
  'crc32c_intel',
  'libcrc32c',
  'overlay',
  'fuse',
  'isofs',
  'udf',
  'vfat',
  'nls_cp437',
  'nls_iso8859_1',
  'nls_utf8',
  'nls_ascii',
  'squashfs',
  'loop',
];
