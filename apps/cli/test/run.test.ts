import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultConfig } from '@ucvm/components';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestEnv, runCli } from './run-cli.js';

// `ucvm run` in-process without a terminal (--deadline/--expect): argument errors, then real
// TCG boots of images built here with the CernVM-FS stand-in and `ucvm.smoke`, whose init
// prints `[ucvm] init: ok <strong>` and powers off (as test-vm/test/fixtures/images-build.ts).

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const EPOCH = '1700000000';
const work = mkdtempSync(join(tmpdir(), 'ucvm-runcmd-test-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
/** TMPDIR of the runs: `ucvm run` puts its scratch disk, seed disk and logs here. */
const runTmp = join(work, 'tmp');
mkdirSync(runTmp);

const ucvm = (argv: string[]) =>
  runCli(['run', ...argv], work, buildTestEnv(EPOCH, { TMPDIR: runTmp }));

/** What `ucvm run` left in its TMPDIR (it must remove its own directory). */
const leftovers = () => readdirSync(runTmp);

describe('ucvm run: argument errors (exit 2, message and hint, no VM)', () => {
  const image = join(work, 'fake.hdd');
  writeFileSync(image, new Uint8Array(4096));
  const cases: [string, string[], RegExp][] = [
    ['a size that is not one', [image, '--disk', 'lots'], /RUN_BAD_SIZE.*"lots" is not a size/],
    ['a size too small', [image, '--disk', '10K'], /--disk 10K is outside 1M to 16T/],
    ['--expect without --deadline', [image, '--expect', 'x'], /RUN_EXPECT_NEEDS_DEADLINE/],
    ['a bad regex', [image, '--expect', '(', '--deadline', '5'], /RUN_BAD_REGEX/],
    ['a bad deadline', [image, '--deadline', '0'], /--deadline "0" is not a whole number/],
    ['a bad accelerator', [image, '--accel', 'hvf'], /RUN_BAD_ACCEL.*"hvf"/],
    ['a missing image', [join(work, 'nope.iso')], /RUN_NO_IMAGE.*does not exist/],
    ['a missing user-data file', [image, '--user-data', 'nope.yaml'], /cannot read nope\.yaml/],
    ['a .qcow2 that is not one', [join(work, 'fake.qcow2')], /has no qcow2 signature/],
  ];
  writeFileSync(join(work, 'fake.qcow2'), new Uint8Array(4096));
  for (const [what, argv, message] of cases) {
    it(`refuses ${what}`, async () => {
      const r = await ucvm(argv);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).toMatch(/hint: /);
      expect(r.stdout).toBe('');
    });
  }
});

// ---------------------------------------------------------------------------------------------

/** Kernel options: the default's, the serial console, the smoke check, and kernel messages
 * (loglevel after `quiet` wins) so that the console shows the virtio disks the guest found. */
const SMOKE_OPTIONS = ['console=ttyS0', 'ucvm.smoke', 'loglevel=6'];
let iso = '';
let qcow2 = '';
let strong = '';

describe('ucvm run: real boots under TCG', () => {
  beforeAll(async () => {
    const options = defaultConfig.cmdline?.options ?? [];
    const config = {
      cmdline: {
        options: [...options, ...SMOKE_OPTIONS],
        debug: [...(defaultConfig.cmdline?.debug ?? [])],
      },
    };
    writeFileSync(join(work, 'ucvm.config.json'), `${JSON.stringify(config, null, 2)}\n`);
    copyFileSync(join(REPO, 'ucvm.lock'), join(work, 'ucvm.lock'));
    const argv = [
      'build',
      '--config',
      'ucvm.config.json',
      '--cvmfs-standin',
      '--compression',
      'gzip',
    ];
    argv.push('--branch', 'prod', '--format', 'iso', '--format', 'qcow2', '--out', 'out', '--json');
    const r = await runCli(argv, work, buildTestEnv(EPOCH));
    if (r.code !== 0)
      throw new Error(`ucvm ${argv.join(' ')} failed (${r.code}):\n${r.stderr}${r.stdout}`);
    const result = r.stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map(
        (l) =>
          JSON.parse(l) as {
            event: string;
            outDir?: string;
            outputs?: { name: string; format?: string }[];
          },
      )
      .find((e) => e.event === 'result');
    const out = (format: string) => {
      const o = result?.outputs?.find((x) => x.format === format);
      if (!result?.outDir || !o) throw new Error(`no ${format} image in:\n${r.stdout}`);
      return join(result.outDir, o.name);
    };
    iso = out('iso');
    qcow2 = out('qcow2');
    strong = (result?.outDir ?? '').replace(/^.*ucernvm-images\./, '');
  }, 400_000);

  it('boots the ISO as a CD-ROM with an empty scratch disk and a cidata disk, to the init', async () => {
    writeFileSync(join(work, 'user-data'), '[ucvm-run-test]\nkey=value\n');
    const r = await ucvm([
      iso,
      '--disk',
      '64M',
      '--user-data',
      'user-data',
      '--deadline',
      '240',
      '--expect',
      'init: ok',
    ]);
    expect(r.stderr).toMatch(
      /booting .*\.iso \(CD-ROM\) under TCG, empty 64 MiB scratch disk, NoCloud cidata disk/,
    );
    expect(r.stderr).toMatch(/matched "\[ucvm\] init: ok .*" after \d+\.\d s/);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`[ucvm] init: ok ${strong}`);
    // The guest's kernel found both extra disks: 64 MiB scratch, then the 2 MiB seed.
    expect(r.stdout).toMatch(/\[vda\] 131072 512-byte logical blocks/);
    expect(r.stdout).toMatch(/\[vdb\] 4096 512-byte logical blocks/);
    expect(leftovers()).toEqual([]);
  }, 300_000);

  it('boots the qcow2 (the HDD converted) as a virtio disk, in snapshot mode: the file stays as it was', async () => {
    const before = readFileSync(qcow2);
    const r = await ucvm([qcow2, '--deadline', '240', '--expect', /init: ok (\S+)/.source]);
    expect(r.stderr).toMatch(/\(virtio disk, qcow2\) under TCG/);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`[ucvm] init: ok ${strong}`);
    expect(Buffer.compare(readFileSync(qcow2), before)).toBe(0);
    expect(leftovers()).toEqual([]);
  }, 300_000);

  it('boots the ISO with --uefi: OVMF, the El Torito UEFI entry, GRUB', async () => {
    const r = await ucvm([iso, '--uefi', '--deadline', '240', '--expect', 'init: ok']);
    expect(r.stderr).toMatch(/\(CD-ROM, UEFI\) under TCG/);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`[ucvm] init: ok ${strong}`);
  }, 300_000);

  it('fails (exit 1) when the line does not appear before the deadline, naming the pattern', async () => {
    const r = await ucvm([iso, '--deadline', '3', '--expect', 'no such line ever']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/WAIT_TIMEOUT.*\/no such line ever\/ did not appear within 3\.0 s/);
    // A failed run keeps its directory (serial log, disks) in its TMPDIR and names it.
    expect(r.stderr).toContain(`serial log: ${runTmp}/ucvm-run-`);
    const kept = leftovers();
    expect(kept).toHaveLength(1);
    expect(r.stderr).toContain(`kept the serial log and disks of this run in ${runTmp}/${kept[0]}`);
    expect(readdirSync(join(runTmp, kept[0] as string))).toContain('vm.serial.log');
    rmSync(join(runTmp, kept[0] as string), { recursive: true, force: true });
  }, 60_000);
});
