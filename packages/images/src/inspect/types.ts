// The typed result of `inspectImage` (build.md §8 `ucvm inspect`): what a product holds, in a
// stable shape the CLI prints and emits as JSON. Everything is plain data (no bytes) so that
// JSON.stringify gives the same text for the same file.

/** What a file was recognised as, from its bytes (detect.ts). */
export type ImageKind =
  | 'iso' // ISO 9660 (possibly isohybrid)
  | 'disk' // raw disk with an MBR or GPT: .hdd, .hvm, GCE disk.raw
  | 'fat' // bare FAT file system: .fat
  | 'vhd' // fixed VHD: raw disk + 512-byte footer
  | 'qcow2'
  | 'vdi'
  | 'vmdk' // sparse (stream-optimised) VMDK
  | 'update-pack' // ucernvm.<strong>.tar: apply + initrd + kernel
  | 'gce' // tar.gz with disk.raw
  | 'ova' // tar with an .ovf descriptor
  | 'box' // Vagrant box: metadata.json + Vagrantfile (+ box.ovf + disks)
  | 'tar'; // any other tar

export interface FileEntry {
  path: string;
  type: 'file' | 'dir' | 'symlink';
  size: number;
  target?: string;
}

export interface PartitionInfo {
  index: number;
  /** MBR type byte as two hex digits ("0e"), or the GPT type GUID. */
  type: string;
  /** A readable name for the type ("FAT16 LBA", "EFI System"). */
  typeName: string;
  bootable: boolean;
  /** First sector and length in 512-byte sectors. */
  start: number;
  sectors: number;
  name?: string;
}

export interface PartitionTable {
  scheme: 'mbr' | 'gpt';
  /** MBR disk signature (8 hex digits) or the GPT disk GUID. */
  diskId: string;
  partitions: PartitionInfo[];
}

export interface FileSystemInfo {
  /** Where it sits: "partition 1", "whole file", "El Torito UEFI image /boot/efiboot.img". */
  where: string;
  type: 'FAT12' | 'FAT16' | 'FAT32' | 'ISO9660';
  /** Byte offset in the inspected (raw) image. */
  offset: number;
  size: number;
  label: string;
  /** FAT volume serial (XXXX-XXXX) or empty for ISO 9660. */
  serial: string;
  clusterBytes?: number;
  clusters?: number;
  files: number;
  dirs: number;
  fileBytes: number;
  tree: FileEntry[];
}

export interface BootEntry {
  /** syslinux LABEL, menu.lst title, grub menuentry title (or "(default)" for a bare linux). */
  label: string;
  kernel: string;
  initrd?: string;
  /** The kernel command line as written (without the initrd= option syslinux takes). */
  cmdline: string;
  /** cmdline parsed into options: `key=value` → [key, value], a bare word → [word, ""]. */
  options: [string, string][];
}

export interface BootConfigFile {
  /** Path in the file system, and which file system (its `where`). */
  path: string;
  where: string;
  loader: 'syslinux' | 'pv-grub' | 'grub';
  text: string;
  entries: BootEntry[];
  /** syslinux DEFAULT / menu.lst default (a label or an index). */
  default?: string;
  /** Console directives (syslinux SERIAL, grub serial/terminal). */
  serial?: string;
}

export interface ElToritoEntry {
  platform: 'bios' | 'uefi' | string;
  bootable: boolean;
  emulation: 'none' | string;
  /** Sector count in 512-byte units as written in the catalog. */
  sectors: number;
  lba: number;
  /** The ISO file at that LBA, if any. */
  path?: string;
}

export interface IsoInfo {
  volumeId: string;
  blocks: number;
  modificationDate: string;
  elTorito: { catalogLba: number; catalogPath?: string; entries: ElToritoEntry[] } | undefined;
  /** An MBR with 0x55AA in the system area: the ISO also boots as a disk. */
  hybridMbr: boolean;
}

export interface ContainerInfo {
  format: 'vhd' | 'qcow2' | 'vdi' | 'vmdk';
  /** The disk size the guest sees. */
  virtualSize: number;
  /** Format-specific header fields worth seeing (version, type, ids, checksums). */
  fields: Record<string, string | number | boolean>;
}

export interface ArchiveMember {
  name: string;
  type: 'file' | 'dir' | 'symlink' | 'hardlink' | 'other';
  mode: number;
  size: number;
  mtime: number;
  sha256?: string;
  /** For disk members: the container format and virtual size (without converting). */
  disk?: { format: string; virtualSize?: number };
}

export interface ArchiveInfo {
  format: 'tar' | 'tar.gz';
  members: ArchiveMember[];
  /** The update pack's `apply` (runtime.md §6.8) as key=value pairs, and its checks. */
  apply?: {
    fields: Record<string, string>;
    /** Per member named in apply: whether its sha256 matches. */
    checks: { member: string; expected: string; actual?: string; ok: boolean }[];
  };
  /** OVA/box: the OVF descriptor's disks in order (the first is the boot disk). */
  ovfDisks?: { fileRef: string; href?: string; capacity?: string }[];
  /** OVA manifest (.mf, "SHA256(name)= hex"): each line checked against the member. */
  manifest?: { member: string; algorithm: string; expected: string; ok: boolean }[];
  /** Vagrant metadata.json, as text. */
  metadata?: string;
}

export interface ImageInspection {
  kind: ImageKind;
  /** Bytes of the inspected file (without a signature trailer). */
  size: number;
  container?: ContainerInfo;
  archive?: ArchiveInfo;
  iso?: IsoInfo;
  partitionTable?: PartitionTable;
  fileSystems: FileSystemInfo[];
  bootConfigs: BootConfigFile[];
  /** The image's `/version` ("<repository> at <tag>, uCernVM <strong>"). */
  version?: string;
  /** The kernel's own version string (bzImage header), from /cernvm/vmlinuz.xz. */
  kernelVersion?: string;
  /** Images inside: GCE disk.raw, the OVA/box boot disk, the raw content of qcow2/vdi/vmdk. */
  inner: { name: string; inspection: ImageInspection }[];
  notes: string[];
}
