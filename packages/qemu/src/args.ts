import { QemuError } from './errors.js';
import type { DriveOptions, NetworkOptions, VmOptions } from './options.js';

export type Accel = 'tcg' | 'kvm';

/** Debian's `ovmf` package (notes §3.1). */
export const DEFAULT_OVMF = '/usr/share/ovmf/OVMF.fd';

/** The serial console goes to QEMU's stdout; the harness logs and watches it. */
const SERIAL = ['-chardev', 'stdio,id=ucvm-serial,signal=off', '-serial', 'chardev:ucvm-serial'];
/** The same, multiplexed with the monitor: Ctrl-A X quits, Ctrl-A C toggles the monitor. */
const SERIAL_MUX = [
  '-chardev',
  'stdio,id=ucvm-serial,signal=off,mux=on',
  '-serial',
  'chardev:ucvm-serial',
  '-mon',
  'chardev=ucvm-serial,mode=readline',
];

function bad(message: string, hint: string): QemuError {
  return new QemuError('BAD_OPTION', message, hint);
}

/** QEMU option values use `,` as separator; a literal comma is written `,,`. */
export function qemuValue(value: string): string {
  return value.replaceAll(',', ',,');
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

function checkIpv4(what: string, value: string): void {
  const m = IPV4.exec(value);
  if (!m || m.slice(1).some((o) => Number(o) > 255)) {
    throw bad(`${what} is not an IPv4 address: ${JSON.stringify(value)}`, 'write it as a.b.c.d');
  }
}

function checkPort(what: string, value: number): void {
  if (!Number.isInteger(value) || value < 1 || value > 65535) {
    throw bad(`${what} is not a TCP/UDP port: ${value}`, 'use an integer from 1 to 65535');
  }
}

function driveArgs(drive: DriveOptions, index: number): string[] {
  if (drive.file === '')
    throw bad(`drive ${index} has an empty file name`, 'pass a disk image path');
  if (drive.interface === 'ide' && drive.mode === 'readonly') {
    // QEMU refuses read-only IDE hard disks (notes §10).
    throw bad(`drive ${index} (${drive.file}) is IDE with mode readonly`, "use mode 'snapshot'");
  }
  const mode =
    drive.mode === 'readonly' ? ',readonly=on' : drive.mode === 'snapshot' ? ',snapshot=on' : '';
  // QEMU sizes a VHD whose creator it does not know (ours is `ucvm`) by CHS, a little short
  // of the footer's current size (packages/images README, "fixed VHD").
  const vpc = drive.format === 'vpc' ? ',force_size_calc=current_size' : '';
  const base = `file=${qemuValue(drive.file)},format=${drive.format ?? 'raw'}${vpc}${mode}`;
  if (drive.interface === 'nvme') {
    const id = `ucvm-nvme${index}`;
    return ['-drive', `${base},if=none,id=${id}`, '-device', `nvme,drive=${id},serial=${id}`];
  }
  const media = drive.interface === 'ide' ? ',media=disk' : '';
  return ['-drive', `${base},if=${drive.interface}${media}`];
}

function networkArgs(net: NetworkOptions): string[] {
  let nic = 'user,restrict=on,model=virtio-net-pci';
  if (net.net !== undefined) {
    if (!/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/.test(net.net)) {
      throw bad(
        `network.net is not an IPv4 prefix: ${JSON.stringify(net.net)}`,
        'e.g. 169.254.0.0/16',
      );
    }
    nic += `,net=${net.net}`;
  }
  if (net.host !== undefined) {
    checkIpv4('network.host', net.host);
    nic += `,host=${net.host}`;
  }
  if (net.dhcpstart !== undefined) {
    checkIpv4('network.dhcpstart', net.dhcpstart);
    nic += `,dhcpstart=${net.dhcpstart}`;
  }
  for (const [i, fwd] of (net.guestForwards ?? []).entries()) {
    checkIpv4(`guestForwards[${i}].guestAddress`, fwd.guestAddress);
    checkPort(`guestForwards[${i}].guestPort`, fwd.guestPort);
    let target: string;
    if ('cmd' in fwd.target) {
      if (fwd.target.cmd.trim() === '')
        throw bad(`guestForwards[${i}] has an empty cmd`, 'pass a program');
      target = `cmd:${fwd.target.cmd}`;
    } else {
      checkPort(`guestForwards[${i}].target.hostPort`, fwd.target.hostPort);
      // Only the loopback address: nothing leaves the machine (testing.md §4).
      target = `tcp:127.0.0.1:${fwd.target.hostPort}`;
    }
    nic += `,guestfwd=${qemuValue(`tcp:${fwd.guestAddress}:${fwd.guestPort}-${target}`)}`;
  }
  for (const [i, fwd] of (net.hostForwards ?? []).entries()) {
    checkPort(`hostForwards[${i}].hostPort`, fwd.hostPort);
    checkPort(`hostForwards[${i}].guestPort`, fwd.guestPort);
    nic += `,hostfwd=${fwd.protocol ?? 'tcp'}:127.0.0.1:${fwd.hostPort}-:${fwd.guestPort}`;
  }
  return ['-nic', nic];
}

const NETWORK_OPTIONS = /^--?(net|netdev|nic)(=|$)/;

/**
 * The full QEMU command line (without the program name) for `options`. Pure: file existence
 * is checked by the caller.
 */
export function buildQemuArgs(
  options: VmOptions,
  accel: Accel,
  ovmfPath: string = DEFAULT_OVMF,
): string[] {
  const drives = options.drives ?? [];
  const cdroms = options.cdroms ?? [];
  if (options.kernel === undefined && drives.length === 0 && cdroms.length === 0) {
    throw bad('nothing to boot: no kernel, drive or cdrom given', 'pass kernel, drives or cdroms');
  }
  if (
    options.kernel === undefined &&
    (options.initrd !== undefined || options.append !== undefined)
  ) {
    throw bad('initrd/append given without a kernel', 'pass kernel as well, or drop initrd/append');
  }
  const memory = options.memoryMiB ?? 512;
  if (!Number.isInteger(memory) || memory < 64 || memory > 16384) {
    throw bad(`memoryMiB out of range: ${memory}`, 'use an integer from 64 to 16384');
  }
  const smp = options.smp ?? 1;
  if (!Number.isInteger(smp) || smp < 1 || smp > 16) {
    throw bad(`smp out of range: ${smp}`, 'use an integer from 1 to 16');
  }
  const args = ['-nodefaults', '-no-user-config', '-display', 'none', '-no-reboot'];
  args.push('-machine', options.machine ?? 'pc', '-accel', accel);
  args.push('-m', String(memory), '-smp', String(smp));
  if (options.cpu !== undefined) args.push('-cpu', options.cpu);
  args.push(...(options.serialMux ? SERIAL_MUX : SERIAL));
  // Without an entropy source the CRNG stalls libuuid users for seconds (notes §8.3, §10).
  args.push('-device', 'virtio-rng-pci');
  if (options.firmware === 'uefi') args.push('-bios', ovmfPath);
  if (options.kernel !== undefined) {
    args.push('-kernel', options.kernel);
    if (options.initrd !== undefined) args.push('-initrd', options.initrd);
    if (options.append !== undefined) args.push('-append', options.append);
  }
  for (const [i, d] of drives.entries()) args.push(...driveArgs(d, i));
  for (const iso of cdroms) {
    args.push('-drive', `file=${qemuValue(iso)},format=raw,if=ide,media=cdrom,readonly=on`);
  }
  if (options.bootOrder !== undefined) {
    if (!/^[a-p]{1,4}$/.test(options.bootOrder)) {
      throw bad(
        `bootOrder is not a QEMU boot order: ${JSON.stringify(options.bootOrder)}`,
        "e.g. 'c' or 'dc'",
      );
    }
    args.push('-boot', `order=${options.bootOrder}`);
  }
  if (options.network !== undefined) args.push(...networkArgs(options.network));
  for (const extra of options.extraArgs ?? []) {
    if (NETWORK_OPTIONS.test(extra)) {
      throw bad(
        `extraArgs contains a network option: ${extra}`,
        'use the network option (restrict=on)',
      );
    }
  }
  args.push(...(options.extraArgs ?? []));
  return args;
}
