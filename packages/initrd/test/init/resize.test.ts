// 11-resize (runtime.md §3 11-resize): grow the scratch partition into the free region after
// it, then the file system; aux/resize is consumed, a failure kept as aux/resize.failed.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Fixture, GiB, MiB, RESULT_RE } from './harness.js';

let fx: Fixture;
beforeEach(() => {
  fx = new Fixture();
  mkdirSync(join(fx.rw, 'aux'), { recursive: true });
  fx.shim('umount'); // the disk keeps its files
  fx.shim('resize2fs');
  fx.shim('sfdisk', 'cat >"$FIX/stdin/sfdisk.$(grep -c "^sfdisk" "$FIX/calls")"');
});
afterEach(() => fx.cleanup());

/** vdb: `sectors` 512-byte sectors, scratch vdb1 at 1 MiB, optionally vdb2 after it. */
function machine(pttype: 'dos' | 'gpt', sectors: number, p1: number, p2Start?: number): void {
  const parts = [{ num: 1, start: MiB, size: p1 }];
  if (p2Start !== undefined) parts.push({ num: 2, start: p2Start, size: 100 * MiB });
  fx.disk('vdb', { sectors, parts });
  const lines = [
    `name=vdb kind=disk disk=vdb num=0 sectors=${sectors} lss=512 pttype=${pttype}`,
    `name=vdb1 kind=part disk=vdb num=1 sectors=${p1} lss=512 pttype=`,
  ];
  if (p2Start !== undefined) lines.push('name=vdb2 kind=part disk=vdb num=2 lss=512');
  writeFileSync(join(fx.run, 'devices'), `${lines.join('\n')}\n`);
  writeFileSync(join(fx.rw, 'aux/resize'), '');
}

function run(): string[] {
  const r = fx.stage('11-resize', { before: 'UCVM_SCRATCH_DEV=vdb1 UCVM_SCRATCH_RW=1' });
  expect(r.status, r.stderr).toBe(0);
  const lines = r.stdout.split('\n').filter((l) => l !== '');
  for (const l of lines) expect(l).toMatch(RESULT_RE);
  return lines;
}

const tools = () =>
  fx
    .calls()
    .filter((c) =>
      ['umount', 'mount', 'sfdisk', 'partx', 'e2fsck', 'resize2fs'].includes(c[0] as string),
    );

describe('11-resize', () => {
  it('skips without aux/resize', () => {
    fx.disk('vdb', { sectors: 20 * GiB });
    expect(run()).toEqual(['[ucvm] 11-resize: skip no resize requested']);
    expect(fx.calls()).toEqual([]);
  });

  it('grows an MBR partition to the end of the disk, then the file system', () => {
    machine('dos', 20 * GiB, 1 * GiB);
    expect(run()).toEqual(['[ucvm] 11-resize: ok grown to 20479 MiB']);
    expect(fx.stdin('sfdisk', 1)).toBe(`2048,${20 * GiB - MiB}\n`);
    expect(tools()).toEqual([
      ['umount', fx.rw],
      ['sfdisk', '--no-reread', '--no-tell-kernel', '-q', '-N', '1', `${fx.dev}/vdb`],
      ['partx', '-u', '--nr', '1', `${fx.dev}/vdb`],
      ['e2fsck', '-f', '-p', `${fx.dev}/vdb1`],
      ['resize2fs', `${fx.dev}/vdb1`],
      ['mount', '-t', 'ext4', `${fx.dev}/vdb1`, fx.rw],
    ]);
    expect(existsSync(join(fx.rw, 'aux/resize'))).toBe(false);
  });

  it('stops at the next partition and keeps MBR below 2 TiB', () => {
    machine('dos', 20 * GiB, 1 * GiB, 5 * GiB);
    expect(run()).toEqual(['[ucvm] 11-resize: ok grown to 5119 MiB']);
    fx.cleanup();
    fx = new Fixture();
    mkdirSync(join(fx.rw, 'aux'), { recursive: true });
    fx.shim('umount');
    fx.shim('resize2fs');
    fx.shim('sfdisk', 'cat >"$FIX/stdin/sfdisk.$(grep -c "^sfdisk" "$FIX/calls")"');
    machine('dos', 3 * 1024 * GiB, 1 * GiB);
    run();
    expect(fx.stdin('sfdisk', 1)).toBe(`2048,${2 ** 32 - 2048}\n`);
  });

  it('relocates the GPT backup header first and leaves its area free', () => {
    machine('gpt', 20 * GiB, 1 * GiB);
    expect(run()).toEqual(['[ucvm] 11-resize: ok grown to 20478 MiB']);
    expect(tools()[1]).toEqual(['sfdisk', '--relocate', 'gpt-bak-std', `${fx.dev}/vdb`]);
    expect(fx.stdin('sfdisk', 2)).toBe(`2048,${20 * GiB - 2 * MiB}\n`);
  });

  it('nothing to grow: request consumed, file system untouched', () => {
    machine('dos', 20 * GiB, 20 * GiB - MiB);
    expect(run()).toEqual(['[ucvm] 11-resize: ok nothing to grow']);
    expect(fx.calls('resize2fs')).toEqual([]);
    expect(existsSync(join(fx.rw, 'aux/resize'))).toBe(false);
  });

  it('keeps a failed request as aux/resize.failed with the tool output', () => {
    machine('dos', 20 * GiB, 1 * GiB);
    fx.shim('resize2fs', 'echo "resize2fs: No space left on device"; exit 1');
    expect(run()).toEqual([
      '[ucvm] 11-resize: info resize2fs failed',
      '[ucvm] 11-resize: warn resize failed (aux/resize.failed)',
    ]);
    expect(existsSync(join(fx.rw, 'aux/resize'))).toBe(false);
    const failed = fx.read('root.rw/aux/resize.failed');
    expect(failed).toContain('# resize2fs failed');
    expect(failed).toContain('resize2fs: No space left on device');
    expect(fx.calls('mount')).toEqual([['mount', '-t', 'ext4', `${fx.dev}/vdb1`, fx.rw]]);
  });

  it('panics when scratch cannot be remounted', () => {
    machine('dos', 20 * GiB, 1 * GiB);
    fx.shim('mount', 'exit 32');
    const r = fx.stage('11-resize', {
      before: 'UCVM_SCRATCH_DEV=vdb1 UCVM_SCRATCH_RW=1',
      env: {},
    });
    expect(r.stdout).toContain('UCVM-PANIC: 11-resize: cannot remount scratch /dev/vdb1');
  });
});
