import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { unpackArchive } from './index.js';
import { readRpm } from './rpm.js';
import { describeTree, writeCpioNewc, writeRpm } from './test-writers.js';

const work = mkdtempSync(join(tmpdir(), 'ucvm-rpm-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const host = (cmd: string, args: string[], input?: Uint8Array, cwd = work): Buffer =>
  execFileSync(cmd, args, {
    input,
    cwd,
    timeout: 120_000,
    maxBuffer: 1 << 28,
    stdio: ['pipe', 'pipe', 'pipe'],
  });

const cpio = writeCpioNewc([
  { name: './opt', mode: 0o040755 },
  { name: './opt/x.sh', mode: 0o100700, data: 'echo x\n' },
  { name: './opt/l', mode: 0o120777, data: 'x.sh' },
]);

describe('readRpm (own writer)', () => {
  const compressors: [string, string[]][] = [
    ['gzip', ['gzip', '-c']],
    // rpm writes xz payloads with a SHA-256 check (liblzma LZMA_CHECK_SHA256).
    ['xz', ['xz', '-c', '--check=sha256']],
    ['zstd', ['zstd', '-q', '-c']],
  ];
  for (const [name, [cmd, ...args]] of compressors) {
    it(`reads a ${name} payload after an unaligned signature header`, async () => {
      const rpm = writeRpm('demo', name, host(cmd as string, args, cpio));
      const pkg = await readRpm(rpm, 'demo.rpm');
      expect(pkg.nevra).toBe('demo-1.0-1.noarch');
      expect(pkg.compressor).toBe(name);
      expect(pkg.entries.map((e) => [e.name, e.type, e.mode])).toEqual([
        ['./opt', 'dir', 0o755],
        ['./opt/x.sh', 'file', 0o700],
        ['./opt/l', 'symlink', 0o777],
      ]);
    });
  }

  it('refuses a payload whose compression contradicts the header', async () => {
    const rpm = writeRpm('demo', 'xz', host('gzip', ['-c'], cpio));
    await expect(readRpm(rpm, 'demo.rpm')).rejects.toThrow(
      /^demo\.rpm: member "payload": header says "xz" compression/,
    );
  });

  it('refuses a truncated header', async () => {
    const rpm = writeRpm('demo', 'gzip', host('gzip', ['-c'], cpio)).subarray(0, 150);
    await expect(readRpm(rpm, 'demo.rpm')).rejects.toThrow(
      /^demo\.rpm: rpm main header|^demo\.rpm: rpm signature header/,
    );
  });
});

describe('unpackArchive on real rpms built by rpmbuild', () => {
  const payloads = { gzip: 'w9.gzdio', xz: 'w6.xzdio', zstd: 'w19.zstdio' };
  for (const [name, payload] of Object.entries(payloads)) {
    it(`matches rpm2cpio | cpio -id for a ${name} payload`, async () => {
      const top = join(work, `top-${name}`);
      mkdirSync(join(top, 'SPECS'), { recursive: true });
      writeFileSync(
        join(top, 'SPECS/t.spec'),
        `Name: ucvmtest
Version: 1.0
Release: 1
Summary: t
License: MIT
BuildArch: noarch
%define _binary_payload ${payload}
%description
t
%install
mkdir -p %{buildroot}/opt/t/sub %{buildroot}/usr/lib/${'d'.repeat(100)}
echo hello > %{buildroot}/opt/t/a.txt
head -c 200000 /dev/zero > %{buildroot}/opt/t/sub/zeros
chmod 0750 %{buildroot}/opt/t/sub/zeros
echo deep > %{buildroot}/usr/lib/${'d'.repeat(100)}/${'f'.repeat(100)}
ln -s ../a.txt %{buildroot}/opt/t/sub/link
ln %{buildroot}/opt/t/a.txt %{buildroot}/opt/t/hard.txt
%files
/opt/t
/usr/lib/${'d'.repeat(100)}
`,
      );
      host('rpmbuild', [
        '--define',
        `_topdir ${top}`,
        '--define',
        '__os_install_post %{nil}',
        '-bb',
        join(top, 'SPECS/t.spec'),
      ]);
      const rpmDir = join(top, 'RPMS/noarch');
      const rpmFile = join(rpmDir, readdirSync(rpmDir)[0] as string);
      const theirs = join(top, 'theirs');
      mkdirSync(theirs);
      host(
        'cpio',
        ['-idm', '--quiet', '--no-absolute-filenames'],
        host('rpm2cpio', [rpmFile]),
        theirs,
      );
      const ours = join(top, 'ours');
      const result = await unpackArchive(readFileSync(rpmFile), ours, { name: rpmFile });
      expect(await describeTree(ours)).toEqual(await describeTree(theirs));
      expect(result).toMatchObject({ files: 3, hardlinks: 1, symlinks: 1 });
      expect((await readRpm(readFileSync(rpmFile))).compressor).toBe(name);
    }, 120_000);
  }
});
