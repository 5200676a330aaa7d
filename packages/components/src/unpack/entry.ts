/** Kind of one archive member, common to tar, cpio and the payloads of deb/rpm. */
export type EntryType = 'file' | 'dir' | 'symlink' | 'hardlink' | 'chardev' | 'blockdev' | 'fifo';

/** One member of a tar or cpio archive, as the readers return it. */
export interface ArchiveEntry {
  /** Member name as stored (for example `./usr/bin/hostname`). */
  name: string;
  type: EntryType;
  /** Permission bits and setuid/setgid/sticky (`mode & 0o7777`). */
  mode: number;
  /** Size of `data` for regular files, 0 otherwise. */
  size: number;
  /** Symlink target, or for a hard link the member name it links to; '' otherwise. */
  linkname: string;
  /** File contents (a view into the archive bytes where possible). */
  data: Uint8Array;
}

export const EMPTY = new Uint8Array(0);
