/** How a disk image is attached; QEMU `-drive if=` (or an `nvme` device). */
export type DriveInterface = 'virtio' | 'ide' | 'nvme';

/**
 * `readonly`: the guest cannot write (not allowed on IDE hard disks, notes §10);
 * `snapshot`: writes go to a throw-away overlay; `readwrite`: writes reach the file.
 */
export type DriveMode = 'readonly' | 'snapshot' | 'readwrite';

export type DriveFormat = 'raw' | 'qcow2' | 'vdi' | 'vmdk' | 'vpc';

export interface DriveOptions {
  file: string;
  interface: DriveInterface;
  mode: DriveMode;
  /** QEMU block format, default `raw`; `vpc` is VHD (opened by its footer's current size). */
  format?: DriveFormat;
}

/**
 * A `guestfwd` rule: guest connections to `guestAddress:guestPort` (inside the slirp network)
 * reach `target`: either `{ cmd }`, run once per connection with the stream on stdin/stdout
 * (preferred, notes §12), or `{ hostPort }` on 127.0.0.1.
 */
export interface GuestForward {
  guestAddress: string;
  guestPort: number;
  target: { cmd: string } | { hostPort: number };
}

/** A `hostfwd` rule: 127.0.0.1:hostPort on the host reaches guestPort in the guest. */
export interface HostForward {
  protocol?: 'tcp' | 'udp';
  hostPort: number;
  guestPort: number;
}

/**
 * User-mode networking with `restrict=on`, the only network the harness creates
 * (testing.md §4): nothing leaves the machine.
 */
export interface NetworkOptions {
  /** slirp network, e.g. `169.254.0.0/16` for a link-local metadata service (notes §12). */
  net?: string;
  host?: string;
  dhcpstart?: string;
  guestForwards?: GuestForward[];
  hostForwards?: HostForward[];
}

export interface VmOptions {
  /** Direct kernel boot. */
  kernel?: string;
  initrd?: string;
  /** Kernel command line; include `console=ttyS0` to see the kernel on the serial log. */
  append?: string;
  drives?: DriveOptions[];
  /** ISO images attached as IDE CD-ROMs (read-only). */
  cdroms?: string[];
  /** `bios` = SeaBIOS (default), `uefi` = OVMF from Debian's `ovmf`. */
  firmware?: 'bios' | 'uefi';
  /** QEMU `-boot order=`, e.g. `d` for CD-ROM first. */
  bootOrder?: string;
  machine?: 'pc' | 'q35';
  /** QEMU `-cpu`; default QEMU's own (qemu64 under TCG). */
  cpu?: string;
  /** MiB, default 512. */
  memoryMiB?: number;
  smp?: number;
  network?: NetworkOptions;
  /**
   * Interactive console (`ucvm run`): the serial chardev is multiplexed with the QEMU monitor,
   * so that Ctrl-A X quits and Ctrl-A C switches to the monitor, as with `-serial mon:stdio`.
   */
  serialMux?: boolean;
  /** Extra QEMU arguments; networking options are refused (testing.md §4). */
  extraArgs?: string[];
}
