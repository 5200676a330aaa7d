import { describe, expect, it } from 'vitest';
import { buildQemuArgs, qemuValue } from './args.js';
import { QemuError } from './errors.js';

const argAfter = (args: string[], flag: string): string[] =>
  args.flatMap((a, i) => (a === flag ? [args[i + 1]!] : []));

describe('buildQemuArgs', () => {
  it('always has no default devices, no display, no reboot, the serial chardev and virtio-rng', () => {
    const args = buildQemuArgs({ kernel: '/k', initrd: '/i', append: 'console=ttyS0' }, 'tcg');
    expect(args.slice(0, 5)).toEqual([
      '-nodefaults',
      '-no-user-config',
      '-display',
      'none',
      '-no-reboot',
    ]);
    expect(argAfter(args, '-accel')).toEqual(['tcg']);
    expect(argAfter(args, '-serial')).toEqual(['chardev:ucvm-serial']);
    expect(argAfter(args, '-chardev')).toEqual(['stdio,id=ucvm-serial,signal=off']);
    expect(argAfter(args, '-device')).toEqual(['virtio-rng-pci']);
    expect(argAfter(args, '-m')).toEqual(['512']);
    expect(argAfter(args, '-append')).toEqual(['console=ttyS0']);
    expect(args).not.toContain('-nic');
    expect(args).not.toContain('-bios');
  });

  it('attaches drives per interface and mode, and CD-ROMs read-only', () => {
    const args = buildQemuArgs(
      {
        drives: [
          { file: '/a,b.img', interface: 'virtio', mode: 'readonly' },
          { file: '/hd.img', interface: 'ide', mode: 'snapshot' },
          { file: '/n.img', interface: 'nvme', mode: 'readwrite' },
        ],
        cdroms: ['/x.iso'],
        bootOrder: 'd',
        firmware: 'uefi',
      },
      'kvm',
    );
    expect(argAfter(args, '-drive')).toEqual([
      'file=/a,,b.img,format=raw,readonly=on,if=virtio',
      'file=/hd.img,format=raw,snapshot=on,if=ide,media=disk',
      'file=/n.img,format=raw,if=none,id=ucvm-nvme2',
      'file=/x.iso,format=raw,if=ide,media=cdrom,readonly=on',
    ]);
    expect(argAfter(args, '-device')).toContain('nvme,drive=ucvm-nvme2,serial=ucvm-nvme2');
    expect(argAfter(args, '-boot')).toEqual(['order=d']);
    expect(argAfter(args, '-bios')).toEqual(['/usr/share/ovmf/OVMF.fd']);
    expect(argAfter(args, '-accel')).toEqual(['kvm']);
  });

  it('passes disk formats, opening VHDs by their current size', () => {
    const args = buildQemuArgs(
      {
        drives: [
          { file: '/a.qcow2', interface: 'virtio', mode: 'snapshot', format: 'qcow2' },
          { file: '/b.vhd', interface: 'virtio', mode: 'snapshot', format: 'vpc' },
          { file: '/c.vmdk', interface: 'virtio', mode: 'snapshot', format: 'vmdk' },
        ],
      },
      'tcg',
    );
    expect(argAfter(args, '-drive')).toEqual([
      'file=/a.qcow2,format=qcow2,snapshot=on,if=virtio',
      'file=/b.vhd,format=vpc,force_size_calc=current_size,snapshot=on,if=virtio',
      'file=/c.vmdk,format=vmdk,snapshot=on,if=virtio',
    ]);
  });

  it('multiplexes the serial console with the monitor for interactive use', () => {
    const args = buildQemuArgs({ kernel: '/k', serialMux: true }, 'tcg');
    expect(argAfter(args, '-chardev')).toEqual(['stdio,id=ucvm-serial,signal=off,mux=on']);
    expect(argAfter(args, '-serial')).toEqual(['chardev:ucvm-serial']);
    expect(argAfter(args, '-mon')).toEqual(['chardev=ucvm-serial,mode=readline']);
  });

  it('builds restricted user networking with guestfwd/hostfwd on loopback only', () => {
    const args = buildQemuArgs(
      {
        kernel: '/k',
        network: {
          net: '169.254.0.0/16',
          host: '169.254.0.2',
          dhcpstart: '169.254.0.15',
          guestForwards: [
            {
              guestAddress: '169.254.169.254',
              guestPort: 80,
              target: { cmd: 'node /t/imds.js a,b' },
            },
            { guestAddress: '169.254.0.3', guestPort: 8080, target: { hostPort: 41000 } },
          ],
          hostForwards: [{ hostPort: 2222, guestPort: 22 }],
        },
      },
      'tcg',
    );
    expect(argAfter(args, '-nic')).toEqual([
      'user,restrict=on,model=virtio-net-pci,net=169.254.0.0/16,host=169.254.0.2,dhcpstart=169.254.0.15' +
        ',guestfwd=tcp:169.254.169.254:80-cmd:node /t/imds.js a,,b' +
        ',guestfwd=tcp:169.254.0.3:8080-tcp:127.0.0.1:41000' +
        ',hostfwd=tcp:127.0.0.1:2222-:22',
    ]);
  });

  it.each([
    [{}, 'nothing to boot'],
    [
      {
        initrd: '/i',
        drives: [{ file: '/d', interface: 'virtio' as const, mode: 'readonly' as const }],
      },
      'without a kernel',
    ],
    [
      { drives: [{ file: '/d', interface: 'ide' as const, mode: 'readonly' as const }] },
      "use mode 'snapshot'",
    ],
    [{ kernel: '/k', memoryMiB: 10 }, 'memoryMiB out of range: 10'],
    [{ kernel: '/k', smp: 0 }, 'smp out of range: 0'],
    [{ kernel: '/k', bootOrder: 'x;' }, 'bootOrder'],
    [{ kernel: '/k', extraArgs: ['-netdev', 'user,id=n'] }, 'network option: -netdev'],
    [{ kernel: '/k', extraArgs: ['-nic', 'user'] }, 'network option: -nic'],
    [{ kernel: '/k', network: { net: '10.0.2.0' } }, 'IPv4 prefix'],
    [{ kernel: '/k', network: { host: '300.1.1.1' } }, 'network.host is not an IPv4 address'],
    [
      {
        kernel: '/k',
        network: {
          guestForwards: [{ guestAddress: '10.0.2.9', guestPort: 0, target: { cmd: 'x' } }],
        },
      },
      'guestForwards[0].guestPort is not a TCP/UDP port: 0',
    ],
    [
      { kernel: '/k', network: { hostForwards: [{ hostPort: 70000, guestPort: 22 }] } },
      'hostPort is not',
    ],
  ])('refuses bad options (%#)', (options, fragment) => {
    let caught: unknown;
    try {
      buildQemuArgs(options, 'tcg');
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(QemuError);
    expect((caught as QemuError).code).toBe('BAD_OPTION');
    expect((caught as QemuError).exitCode).toBe(2);
    expect((caught as QemuError).message).toContain(fragment);
  });

  it('escapes commas in option values', () => {
    expect(qemuValue('a,b,,c')).toBe('a,,b,,,,c');
  });
});
