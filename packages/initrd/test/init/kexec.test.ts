// 12-kexec (runtime.md §3 12-kexec, §6.8): the `apply` reader, the sha256 gate, the loop guard
// and the kexec sequence, against shims (kexec, ip, umount, mount record their argv).
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Fixture, RESULT_RE } from './harness.js';

let fx: Fixture;
beforeEach(() => {
  fx = new Fixture({ cmdline: 'quiet console="ttyS0,115200 x" ucvm_net=off' });
  mkdirSync(join(fx.rw, 'aux'), { recursive: true });
  mkdirSync(join(fx.rw, 'kexec'), { recursive: true });
  fx.shim('kexec');
  fx.shim('ip');
});
afterEach(() => fx.cleanup());

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

/** stage_kexec_parse of TEXT: [exit status, stdout]. */
function parse(text: string | Buffer): [number | null, string] {
  writeFileSync(fx.path('apply'), text);
  const r = fx.sh(`stage_kexec_parse '${fx.path('apply')}'`, { stages: ['12-kexec'] });
  return [r.status, r.stdout];
}

const GOOD = [
  'version=2026.02-1',
  'kernel=vmlinuz-6.1',
  'initrd=initrd.2026.02-1.img',
  `kernel_sha256=${sha('K')}`,
  `initrd_sha256=${sha('I')}`,
];
const OUT = `${GOOD.join('\n')}\ncmdline=\n`;

describe('12-kexec: the apply reader (§6.8)', () => {
  it('reads what ucvm build writes (LF), and CRLF, comments, blank lines, unknown keys', () => {
    expect(parse(`${GOOD.join('\n')}\n`)).toEqual([0, OUT]);
    expect(parse(`# pack\r\n\r\n${GOOD.join('\r\n')}\r\nfuture=1\r\n`)).toEqual([0, OUT]);
  });

  it('keeps a cmdline value with `=` and blanks untrimmed', () => {
    expect(parse(`${GOOD.join('\n')}\ncmdline= root=first a="b c"\n`)).toEqual([
      0,
      `${GOOD.join('\n')}\ncmdline= root=first a="b c"\n`,
    ]);
  });

  it.each([
    ['missing kernel_sha256', GOOD.filter((l) => !l.startsWith('kernel_sha256'))],
    ['missing initrd_sha256', GOOD.filter((l) => !l.startsWith('initrd_sha256'))],
    ['missing version', GOOD.slice(1)],
    ['duplicate kernel', [...GOOD, 'kernel=other']],
    ['bad kernel name', GOOD.map((l) => (l.startsWith('kernel=') ? 'kernel=../vmlinuz' : l))],
    ['bad initrd name', GOOD.map((l) => (l.startsWith('initrd=') ? 'initrd=..' : l))],
    ['bad initrd name', GOOD.map((l) => (l.startsWith('initrd=') ? 'initrd=a b' : l))],
    [
      'bad kernel_sha256',
      GOOD.map((l) =>
        l.startsWith('kernel_sha256')
          ? l.toUpperCase().replace('KERNEL_SHA256', 'kernel_sha256')
          : l,
      ),
    ],
    ['bad initrd_sha256', GOOD.map((l) => (l.startsWith('initrd_sha256') ? `${l}0` : l))],
    ['bad version', GOOD.map((l) => (l.startsWith('version') ? "version=1 'x'" : l))],
    ['malformed line 6', [...GOOD, 'no equals sign']],
  ])('refuses: %s', (reason, lines) => {
    expect(parse(`${lines.join('\n')}\n`)).toEqual([1, `${reason}\n`]);
  });

  it('builds the command line: current words minus ucvm_kexeced=, plus the loop guard', () => {
    const r = fx.sh(
      `stage_kexec_cmdline 'quiet ucvm_kexeced=old  console="ttyS0 x" a=b' 2026.02-1`,
      { stages: ['12-kexec'] },
    );
    expect(r.stdout).toBe('quiet console="ttyS0 x" a=b ucvm_kexeced=2026.02-1\n');
  });
});

describe('12-kexec: the stage', () => {
  function pack(apply = `${GOOD.join('\n')}\n`, kernel = 'K', initrd = 'I'): void {
    writeFileSync(join(fx.rw, 'kexec/apply'), apply);
    writeFileSync(join(fx.rw, 'kexec/vmlinuz-6.1'), kernel);
    writeFileSync(join(fx.rw, 'kexec/initrd.2026.02-1.img'), initrd);
  }
  function run(): string[] {
    const r = fx.stage('12-kexec', { before: 'UCVM_SCRATCH_DEV=vdb1 UCVM_SCRATCH_RW=1' });
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.split('\n').filter((l) => l !== '');
    for (const l of lines) expect(l).toMatch(RESULT_RE);
    return lines;
  }

  it('skips without kexec/apply and records the running version', () => {
    expect(run()).toEqual(['[ucvm] 12-kexec: skip no update pending']);
    expect(fx.read('root.rw/aux/ucernvm-version')).toBe('2026.01-1\n');
  });

  it('skips when the pack is the running version', () => {
    pack(`${GOOD.join('\n').replace('2026.02-1\n', '2026.01-1\n')}\n`);
    expect(run()).toEqual(['[ucvm] 12-kexec: skip no update pending (running 2026.01-1)']);
    expect(fx.calls('kexec')).toEqual([]);
  });

  it('rejects a wrong sha256 and boots on writable, without loading anything', () => {
    pack(undefined, 'tampered');
    expect(run()).toEqual(['[ucvm] 12-kexec: warn update pack rejected: kernel sha256 mismatch']);
    expect(fx.calls('kexec')).toEqual([]);
    expect(fx.calls('umount')).toEqual([]);
    expect(fx.read('root.rw/aux/ucernvm-version')).toBe('2026.01-1\n');
  });

  it('rejects a pack without sha256 lines (e.g. an AUFS-era bootloader)', () => {
    pack('version=2020.04-1\nkernel=vmlinuz-6.1\ninitrd=initrd.2026.02-1.img\n');
    expect(run()).toEqual(['[ucvm] 12-kexec: warn update pack rejected: missing kernel_sha256']);
    expect(fx.calls('kexec')).toEqual([]);
  });

  it('loads, takes interfaces down, unmounts scratch, kexec -e; recovers when it returns', () => {
    mkdirSync(join(fx.sys, 'class/net/eth0'), { recursive: true });
    mkdirSync(join(fx.sys, 'class/net/lo'), { recursive: true });
    fx.shim('umount'); // the disk keeps its files across umount/mount
    pack();
    expect(run()).toEqual([
      '[ucvm] 12-kexec: info kexec into 2026.02-1',
      '[ucvm] 12-kexec: warn update to 2026.02-1 not applied: kexec -e returned; booting 2026.01-1',
    ]);
    const dir = join(fx.rw, 'kexec');
    expect(
      fx.calls().filter((c) => ['kexec', 'ip', 'umount', 'mount'].includes(c[0] as string)),
    ).toEqual([
      [
        'kexec',
        '-l',
        `${dir}/vmlinuz-6.1`,
        `--initrd=${dir}/initrd.2026.02-1.img`,
        '--command-line=quiet console="ttyS0,115200 x" ucvm_net=off ucvm_kexeced=2026.02-1',
      ],
      ['ip', 'link', 'set', 'dev', 'eth0', 'down'],
      ['umount', fx.rw],
      ['kexec', '-e'],
      ['mount', '-t', 'ext4', `${fx.dev}/vdb1`, fx.rw],
    ]);
    // 03-network redone, its lines in the stage log
    expect(fx.read('run/ucvm/log/kexec.log')).toContain('[ucvm] 03-network: skip ucvm_net=off');
  });

  it('uses the cmdline of apply when given', () => {
    pack(`${GOOD.join('\n')}\ncmdline=root=first ucvm_kexeced=x quiet\n`);
    run();
    expect(fx.calls('kexec')[0]?.[4]).toBe(
      '--command-line=root=first quiet ucvm_kexeced=2026.02-1',
    );
  });

  it('keeps booting when kexec -l fails', () => {
    fx.shim('kexec', 'exit 1');
    pack();
    expect(run()).toEqual([
      '[ucvm] 12-kexec: warn update pack rejected: kexec -l failed (log/kexec.log)',
    ]);
    expect(fx.calls('umount')).toEqual([]);
  });

  it('never kexecs twice (loop guard): a version mismatch gives warn', () => {
    fx.cmdline('quiet ucvm_kexeced=2026.02-1');
    pack();
    expect(run()).toEqual([
      "[ucvm] 12-kexec: warn update pack 2026.02-1 not applied: already kexec'ed, running 2026.01-1",
    ]);
    expect(fx.calls('kexec')).toEqual([]);
  });
});
