// 02-devices and 10-scratch against fixture /sys trees (runtime.md §3, §8.3).
import { mkdirSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { Fixture, GiB, MiB } from './harness.js';

let fx: Fixture;
afterEach(() => fx?.cleanup());

const BASE = 'quiet ucvm_devwait=0 ucvm_panic=reboot ucvm_panic_delay=0';
const BOOT_MEDIA = { '.ucernvm_boot_loader': '' };

/** blockdev --rereadpt creates the partitions sfdisk "wrote" (sysfs + /dev). */
function onReread(f: Fixture, disk: string, parts: { num: number; name: string }[]): void {
  const lines = parts.map(
    (p) =>
      `mkdir -p "${f.sys}/block/${disk}/${p.name}" && echo ${p.num} >"${f.sys}/block/${disk}/${p.name}/partition" && ln -sf "../../block/${disk}/${p.name}" "${f.sys}/class/block/${p.name}" && : >"${f.dev}/${p.name}"`,
  );
  f.shim('blockdev', lines.join('\n'));
}

/** Run 02-devices then 10-scratch the way the driver does. */
function boot(f: Fixture): { out: string; status: number | null } {
  const r = f.sh(`
for s in 02-devices 10-scratch; do
  ucvm_stage_begin "$UCVM_LIBDIR/stages/$s.sh"
  . "$UCVM_LIBDIR/stages/$s.sh"
  stage_run
  ucvm_stage_end "$?"
  unset -f stage_run
done`);
  return { out: r.stdout + r.stderr, status: r.status };
}

function bootDisk(f: Fixture, sectors: number, pttype: 'dos' | 'gpt' = 'dos'): void {
  f.disk('vda', {
    sectors,
    blkid: { PTTYPE: pttype },
    parts: [{ num: 1, start: MiB, size: 200 * MiB, blkid: { TYPE: 'vfat', LABEL: 'UCERNVM' } }],
  });
  f.media('vda1', BOOT_MEDIA);
}

describe('02-devices', () => {
  it('builds the table in natural order with sysfs parents, boot medium and config drive', () => {
    fx = new Fixture({ cmdline: BASE });
    bootDisk(fx, 10 * GiB);
    fx.disk('vdb', { sectors: 10 * GiB });
    fx.disk('vdc', { sectors: 2 * MiB, blkid: { TYPE: 'iso9660', LABEL: 'CONFIG-2' } });
    fx.disk('vdd', { sectors: 20 * GiB, blkid: { TYPE: 'ext4', LABEL: 'UROOT' } });
    fx.disk('vdaa', { sectors: 2 * GiB });
    fx.disk('sr0', { sectors: 2 * MiB, blkid: { TYPE: 'iso9660' } });
    fx.disk('fd0', { sectors: 2880 });
    fx.disk('loop0', { sectors: 2 * GiB });
    const r = fx.stage('02-devices');
    expect(r.stdout).toContain('[ucvm] 02-devices: ok 5 disks; boot vda1; scratch /dev/vdd');
    const table = fx.read('run/ucvm/devices').trim().split('\n');
    expect(table.map((l) => l.split(' ')[0])).toEqual([
      'name=vda',
      'name=vda1',
      'name=vdaa',
      'name=vdb',
      'name=vdc',
      'name=vdd',
    ]);
    expect(table[1]).toMatch(/kind=part disk=vda num=1 .* type=vfat .* boot=1 config=0 scratch=0$/);
    expect(table[4]).toMatch(/label=CONFIG-2 .* config=1 scratch=0$/);
    expect(table[5]).toMatch(/scratch=1$/);
    expect(fx.read('run/ucvm/state/UCVM_FIRST_BOOT').trim()).toBe('0');
    // probe mounts are read-only (§7 item 3)
    for (const c of fx.calls('mount')) expect(c).toContain('ro,nodev,nosuid,noexec');
  });

  it('finds parents by sysfs, not by name (nvme, mmc)', () => {
    fx = new Fixture({ cmdline: BASE });
    fx.disk('nvme0n1', {
      sectors: 8 * GiB,
      blkid: { PTTYPE: 'gpt' },
      parts: [{ num: 1, start: MiB, size: 100 * MiB, blkid: { TYPE: 'vfat' } }],
    });
    fx.disk('mmcblk0', {
      sectors: 4 * GiB,
      parts: [{ num: 7, start: MiB, size: 100 * MiB, name: 'mmcblk0p2' }],
    });
    fx.disk('mmcblk0boot0', { sectors: 8 * MiB });
    fx.media('nvme0n1p1', BOOT_MEDIA);
    const r = fx.stage('02-devices');
    expect(r.stdout).toContain('ok 2 disks; boot nvme0n1p1; first boot');
    const t = fx.read('run/ucvm/devices');
    expect(t).toMatch(/name=mmcblk0p2 kind=part disk=mmcblk0 num=7 /);
    expect(t).not.toContain('mmcblk0boot0');
  });
});

describe('10-scratch disk selection', () => {
  it('creates scratch on an empty virtio disk (dos, 1 MiB aligned)', () => {
    fx = new Fixture({ cmdline: BASE });
    bootDisk(fx, 10 * GiB);
    fx.disk('vdb', { sectors: 10 * GiB });
    onReread(fx, 'vdb', [{ num: 1, name: 'vdb1' }]);
    const { out } = boot(fx);
    expect(out).toContain('[ucvm] 10-scratch: ok /dev/vdb1 created');
    const sf = fx.calls('sfdisk');
    expect(sf).toHaveLength(1);
    expect(sf[0]?.at(-1)).toBe(`${fx.dev}/vdb`);
    const script = fx.stdin('sfdisk', 1);
    expect(script).toBe(`label: dos\nunit: sectors\nstart=2048, size=${10 * GiB - MiB}, type=83\n`);
    expect(fx.calls('mke2fs')).toEqual([
      [
        'mke2fs',
        '-t',
        'ext4',
        '-L',
        'UROOT',
        '-E',
        'lazy_itable_init=1,lazy_journal_init=1',
        `${fx.dev}/vdb1`,
      ],
    ]);
    expect(fx.calls('tune2fs')).toEqual([['tune2fs', '-c0', '-i0', `${fx.dev}/vdb1`]]);
    expect(fx.calls('e2fsck')).toEqual([['e2fsck', '-p', `${fx.dev}/vdb1`]]);
    expect(fx.calls('mount').at(-1)).toEqual(['mount', '-t', 'ext4', `${fx.dev}/vdb1`, fx.rw]);
    // the boot disk is never written
    const writers = ['sfdisk', 'mke2fs', 'tune2fs', 'wipefs', 'partx', 'blockdev', 'e2fsck'];
    for (const c of fx.calls().filter((c) => writers.includes(c[0] as string))) {
      expect(c.join(' ')).not.toMatch(/\/vda/);
    }
    expect(fx.read('root.rw/aux/layout')).toBe('ucvm-layout=2\nunion=overlay\n');
    expect(fx.read('run/ucvm/state/UCVM_SCRATCH_RW').trim()).toBe('1');
  });

  it('uses the blank NVMe disk, not the NVMe boot disk', () => {
    fx = new Fixture({ cmdline: BASE });
    fx.disk('nvme0n1', {
      sectors: 10 * GiB,
      blkid: { PTTYPE: 'dos' },
      parts: [{ num: 1, start: MiB, size: 200 * MiB, blkid: { TYPE: 'vfat' } }],
    });
    fx.media('nvme0n1p1', BOOT_MEDIA);
    fx.disk('nvme1n1', { sectors: 4 * GiB });
    onReread(fx, 'nvme1n1', [{ num: 1, name: 'nvme1n1p1' }]);
    const { out } = boot(fx);
    expect(out).toContain('10-scratch: ok /dev/nvme1n1p1 created');
    expect(fx.calls('sfdisk')[0]?.at(-1)).toBe(`${fx.dev}/nvme1n1`);
  });

  for (const [what, spec] of [
    ['only a file-system signature', { blkid: { TYPE: 'xfs' } }],
    ['only a partition table', { blkid: { PTTYPE: 'gpt' } }],
    ['an ambivalent signature (blkid exit 8)', { blkid: {}, blkidRc: 8 }],
    ['read-only', { ro: true }],
    ['removable', { removable: true }],
    ['holders', { holders: true }],
    ['under 750 MiB', { sectors: 749 * MiB }],
  ] as const) {
    it(`never uses a second disk with ${what}; panics when nothing else is usable`, () => {
      fx = new Fixture({ cmdline: BASE });
      bootDisk(fx, 201 * MiB + 100); // no free space on the boot disk
      fx.disk('vdb', { sectors: 10 * GiB, ...spec });
      const { out, status } = boot(fx);
      expect(out).toContain('UCVM-PANIC: 10-scratch: no usable scratch storage');
      expect(status).toBe(70); // the reboot shim returned
      expect(fx.calls('reboot')).toEqual([['reboot', '-f']]);
      expect(fx.calls('sfdisk')).toEqual([]);
      expect(fx.calls('mke2fs')).toEqual([]);
    });
  }

  it('skips a config drive and takes the next empty disk', () => {
    fx = new Fixture({ cmdline: BASE });
    bootDisk(fx, 201 * MiB);
    fx.disk('vdb', { sectors: 2 * GiB, blkid: { TYPE: 'vfat', LABEL: 'cidata' } });
    fx.disk('vdc', {
      sectors: 2 * GiB,
      blkid: { TYPE: 'iso9660' },
      media: { 'context.sh': "X='1'\n" },
    });
    fx.disk('vdd', { sectors: 2 * GiB });
    onReread(fx, 'vdd', [{ num: 1, name: 'vdd1' }]);
    const { out } = boot(fx);
    expect(out).toContain('10-scratch: ok /dev/vdd1 created');
    expect(fx.read('run/ucvm/devices')).toMatch(/name=vdc .*config=1/);
  });

  it('formats an empty partition without repartitioning', () => {
    fx = new Fixture({ cmdline: BASE });
    bootDisk(fx, 201 * MiB);
    fx.disk('vdb', {
      sectors: 10 * GiB,
      blkid: { PTTYPE: 'dos' },
      parts: [
        { num: 1, start: MiB, size: 1 * GiB, blkid: { PART_ENTRY_TYPE: '0x82' } },
        { num: 2, start: MiB + GiB, size: 2 * GiB, blkid: { PART_ENTRY_TYPE: '0x83' } },
      ],
    });
    const { out } = boot(fx);
    expect(out).toContain('10-scratch: ok /dev/vdb2 created');
    expect(fx.calls('sfdisk')).toEqual([]);
  });

  it('adds a partition in the free space of an MBR boot disk', () => {
    fx = new Fixture({ cmdline: BASE });
    bootDisk(fx, 10 * GiB, 'dos');
    onReread(fx, 'vda', [{ num: 2, name: 'vda2' }]);
    const { out } = boot(fx);
    expect(out).toContain('10-scratch: ok /dev/vda2 created');
    const sf = fx.calls('sfdisk');
    expect(sf).toEqual([
      ['sfdisk', '--no-reread', '--no-tell-kernel', '-q', '-N', '2', `${fx.dev}/vda`],
    ]);
    const script = fx.stdin('sfdisk', 1);
    expect(script).toBe(`start=${201 * MiB}, size=${10 * GiB - 201 * MiB}, type=83\n`);
  });

  it('relocates a misplaced GPT backup header, then uses the free space', () => {
    fx = new Fixture({ cmdline: BASE });
    bootDisk(fx, 40 * GiB, 'gpt');
    onReread(fx, 'vda', [{ num: 2, name: 'vda2' }]);
    const { out } = boot(fx);
    expect(out).toContain('10-scratch: info GPT backup header');
    const sf = fx.calls('sfdisk');
    expect(sf[0]).toEqual(['sfdisk', '--relocate', 'gpt-bak-std', `${fx.dev}/vda`]);
    const script = fx.stdin('sfdisk', 2);
    const end = 40 * GiB - 33;
    expect(script).toBe(
      `start=${201 * MiB}, size=${Math.floor((end - 201 * MiB) / MiB) * MiB}, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4\n`,
    );
    expect(out).toContain('10-scratch: ok /dev/vda2 created');
  });

  it('leaves the GPT backup header alone when it is on the last LBA', () => {
    fx = new Fixture({ cmdline: BASE });
    bootDisk(fx, 4 * GiB, 'gpt');
    const hdr = Buffer.alloc(1024);
    hdr.write('EFI PART', 512, 'latin1');
    hdr.writeBigUInt64LE(BigInt(4 * GiB - 1), 512 + 32);
    writeFileSync(`${fx.dev}/vda`, hdr);
    onReread(fx, 'vda', [{ num: 2, name: 'vda2' }]);
    const { out } = boot(fx);
    expect(out).not.toContain('GPT backup header');
    expect(fx.calls('sfdisk').map((c) => c[1])).toEqual(['--no-reread']);
  });

  it('honours ucvm_scratch for a partition with a signature, refuses a partitioned disk', () => {
    fx = new Fixture({ cmdline: `${BASE} ucvm_scratch=/dev/vdb1` });
    bootDisk(fx, 201 * MiB);
    fx.disk('vdb', {
      sectors: 10 * GiB,
      blkid: { PTTYPE: 'dos' },
      parts: [{ num: 1, start: MiB, size: 2 * GiB, blkid: { TYPE: 'xfs' } }],
    });
    const { out } = boot(fx);
    expect(out).toContain('carries a signature');
    expect(out).toContain('10-scratch: ok /dev/vdb1 created');

    fx.cleanup();
    fx = new Fixture({ cmdline: `${BASE} ucvm_scratch=/dev/vdb` });
    bootDisk(fx, 201 * MiB);
    fx.disk('vdb', { sectors: 10 * GiB, blkid: { PTTYPE: 'dos' } });
    const r = boot(fx);
    expect(r.out).toContain('ucvm_scratch=/dev/vdb is a disk with a partition table (refused)');
    expect(r.out).toContain('UCVM-PANIC: 10-scratch: no usable scratch storage');
  });

  it('panics when the target changed between discovery and writing (10.2)', () => {
    fx = new Fixture({ cmdline: BASE });
    bootDisk(fx, 201 * MiB);
    fx.disk('vdb', { sectors: 10 * GiB });
    // a signature appears after 02-devices ran
    const r = fx.sh(`
ucvm_stage_begin x/02-devices.sh; . "$UCVM_LIBDIR/stages/02-devices.sh"; stage_run; ucvm_stage_end $?
printf 'TYPE=ext4\\n' >"${fx.root}/fix/blkid/vdb"
ucvm_stage_begin x/10-scratch.sh; . "$UCVM_LIBDIR/stages/10-scratch.sh"; stage_run; ucvm_stage_end $?`);
    expect(r.stdout).toContain(
      'UCVM-PANIC: 10-scratch: creating scratch failed: /dev/vdb changed since device discovery',
    );
    expect(fx.calls('sfdisk')).toEqual([]);
  });

  it('mounts an existing scratch, refuses AUFS scratch, panics on fsck errors', () => {
    fx = new Fixture({ cmdline: BASE });
    fx.disk('vdb', { sectors: 10 * GiB, blkid: { TYPE: 'ext4', LABEL: 'UROOT' } });
    let r = boot(fx);
    expect(r.out).toContain('10-scratch: ok /dev/vdb mounted');
    expect(fx.calls('mke2fs')).toEqual([]);

    fx.cleanup();
    fx = new Fixture({ cmdline: BASE });
    fx.disk('vdb', { sectors: 10 * GiB, blkid: { TYPE: 'ext4', LABEL: 'UROOT' } });
    mkdirSync(fx.path('root.rw/persistent'), { recursive: true });
    writeFileSync(fx.path('root.rw/persistent/.wh..wh.aufs'), '');
    r = boot(fx);
    expect(r.out).toContain(
      'UCVM-PANIC: 10-scratch: scratch was created by an AUFS-based bootloader (unsupported)',
    );

    fx.cleanup();
    fx = new Fixture({ cmdline: BASE });
    fx.disk('vdb', { sectors: 10 * GiB, blkid: { TYPE: 'ext4', LABEL: 'UROOT' } });
    fx.shim('e2fsck', 'exit 4');
    r = boot(fx);
    expect(r.out).toContain('UCVM-PANIC: 10-scratch: scratch file system has errors');

    fx.cleanup();
    fx = new Fixture({ cmdline: `${BASE} ucvm_fsck=repair` });
    fx.disk('vdb', { sectors: 10 * GiB, blkid: { TYPE: 'ext4', LABEL: 'UROOT' } });
    fx.shim('e2fsck', 'case "$1" in -p) exit 4;; esac; exit 1');
    r = boot(fx);
    expect(fx.calls('e2fsck').map((c) => c[1])).toEqual(['-p', '-y']);
    expect(r.out).toContain('10-scratch: ok /dev/vdb mounted');
  });
});

describe('10-scratch partition arithmetic', () => {
  function layoutDisk(sectors: number, lss: number, resize: number): string {
    fx = new Fixture();
    const r = fx.sh(`stage_scratch_layout_disk ${sectors} ${lss} ${resize}`, {
      stages: ['10-scratch'],
    });
    expect(r.stderr).toBe('');
    return r.stdout;
  }
  it('aligns to 1 MiB and uses the whole disk by default', () => {
    expect(layoutDisk(10 * GiB + 1000, 512, 1)).toBe(`label dos\n1 2048 ${10 * GiB - MiB}\n`);
    fx.cleanup();
    // 4Kn: 256 logical sectors per MiB
    expect(layoutDisk(10 * GiB, 4096, 1)).toBe(`label dos\n1 256 ${(10 * GiB) / 8 - 256}\n`);
  });
  it('splits at 20 GiB with resize_rootfs=0 only above 20 GiB + 2 MiB', () => {
    expect(layoutDisk(100 * GiB, 512, 0)).toBe(
      `label dos\n1 2048 ${20480 * MiB}\n2 ${2048 + 20480 * MiB} ${100 * GiB - MiB - 20480 * MiB}\n`,
    );
    fx.cleanup();
    expect(layoutDisk(20 * GiB + 2 * MiB, 512, 0)).toBe(`label dos\n1 2048 ${20 * GiB + MiB}\n`);
    fx.cleanup();
    expect(layoutDisk(100 * GiB, 512, 1)).toBe(`label dos\n1 2048 ${100 * GiB - MiB}\n`);
  });
  it('switches to GPT above 2 TiB and keeps the backup area free', () => {
    const two = 2 * 1024 * GiB;
    expect(layoutDisk(two, 512, 1)).toBe(`label dos\n1 2048 ${two - MiB}\n`);
    fx.cleanup();
    const three = 3 * 1024 * GiB;
    const end = three - 33;
    expect(layoutDisk(three, 512, 1)).toBe(
      `label gpt\n1 2048 ${Math.floor((end - MiB) / MiB) * MiB}\n`,
    );
  });
  it('free space: largest region, lowest free number, MBR limits', () => {
    fx = new Fixture();
    const run = (args: string) =>
      fx.sh(`stage_scratch_layout_free ${args}`, { stages: ['10-scratch'] }).stdout;
    // gap between p1 and p3 is larger than the tail
    expect(
      run(`${10 * GiB} 512 dos 1 1:2048:${MiB * 100}:0x83 3:${MiB * 5000}:${MiB * 4000}:0x83`),
    ).toBe(`2 ${MiB * 101} ${MiB * 4899}\n`);
    // extended partition: MBR refused
    expect(run(`${10 * GiB} 512 dos 1 1:2048:${MiB * 100}:0x5`)).toBe('');
    // no free primary slot
    expect(
      run(
        `${10 * GiB} 512 dos 1 1:2048:2048:0x83 2:4096:2048:0x83 3:6144:2048:0x83 4:8192:2048:0x83`,
      ),
    ).toBe('');
    // region below 750 MiB
    expect(run(`${MiB * 900} 512 dos 1 1:2048:${MiB * 200}:0x83`)).toBe('');
    // resize_rootfs=0 on a large region: 20 GiB plus the remainder
    expect(run(`${100 * GiB} 512 gpt 0 1:2048:${MiB * 200}:x`)).toBe(
      `2 ${MiB * 201} ${20480 * MiB}\n3 ${MiB * 201 + 20480 * MiB} ${Math.floor((100 * GiB - 33 - MiB * 201 - 20480 * MiB) / MiB) * MiB}\n`,
    );
    // MBR: nothing above 2 TiB is used
    expect(run(`${4 * 1024 * GiB} 512 dos 1 1:2048:${MiB * 200}:0x83`)).toBe(
      `2 ${MiB * 201} ${4294967296 - MiB * 201}\n`,
    );
  });
});
