// cernvm_inject and hostile user data in QEMU (testing.md §4 scenarios 7 and 8; runtime.md
// §3 25-inject, §7; userdata.md §6–§8). User data comes from a NoCloud `cidata` ISO.
import { rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type VmRun, withVmRun } from '../src/index.js';
import { BOOT_TEST_TIMEOUT_MS, bootContext, standinMounts } from './fixtures/context-boot.js';
import {
  blankDisk,
  buildExtraPartitionDisk,
  buildNoCloudIso,
  type TarMember,
  tarGz,
} from './fixtures/context-disks.js';
import { openScratch } from './fixtures/context-scratch.js';
import { type TestInitrd, testInitrd } from './fixtures/init-initrd.js';
import { buildTestOsDisk, OS_ROOT_HASH, TEST_OS_INJECT_DIR } from './fixtures/test-os.js';

let built: TestInitrd;

beforeAll(async () => {
  built = await testInitrd();
}, 400_000);

afterAll(async () => {
  if (built) await rm(dirname(built.initrd), { recursive: true, force: true });
});

const block = (...lines: string[]) => `[ucernvm-begin]\n${lines.join('\n')}\n[ucernvm-end]\n`;
const inject = (members: TarMember[]) => `cernvm_inject=${tarGz(members).toString('base64')}`;
const DIR = TEST_OS_INJECT_DIR.slice(1);

/** Boots cidata user data `userData` on a blank scratch disk; the test OS reports `markers`. */
async function bootWith(
  run: VmRun,
  label: string,
  userData: string,
  opts: { markers?: string[]; extra?: Parameters<typeof buildExtraPartitionDisk>[1] } = {},
) {
  const osDisk = await buildTestOsDisk(run.dir, {
    cernvmPath: built.branch.path,
    markers: opts.markers,
  });
  const scratch = await blankDisk(run.dir);
  const cidata = await buildNoCloudIso(run.dir, userData);
  const drives = [
    { file: osDisk, interface: 'virtio', mode: 'readonly' },
    { file: scratch, interface: 'virtio', mode: 'readwrite' },
    { file: cidata, interface: 'virtio', mode: 'readonly' },
  ] as const;
  const extra =
    opts.extra === undefined
      ? []
      : [
          {
            file: await buildExtraPartitionDisk(run.dir, opts.extra),
            interface: 'virtio',
            mode: 'readonly',
          } as const,
        ];
  const boot = await bootContext(run, built, {
    label,
    drives: [...drives, ...extra],
    append: ['ucvm_net=off'],
  });
  expect(boot.stages['05-metadata']).toBe(
    `[ucvm] 05-metadata: ok source=NoCloud bytes=${Buffer.byteLength(userData)}`,
  );
  expect(boot.stages['99-boot']).toBe('[ucvm] 99-boot: ok switch_root /sbin/init');
  expect(boot.report.done).toBe(true);
  return { boot, scratch: await openScratch(scratch, run.dir, 'after') };
}

describe('cernvm_inject in QEMU (testing.md §4 scenario 7)', () => {
  it(
    'the archive is extracted into the OS (files, directory, symlink, mode); the pickup archive after it wins',
    async () => {
      await withVmRun('context-inject', async (run) => {
        const members: TarMember[] = [
          { name: `${DIR}/`, type: 'dir' },
          { name: `${DIR}/hello.txt`, content: 'hello from cernvm_inject\n' },
          { name: `${DIR}/sub/`, type: 'dir' },
          { name: `${DIR}/sub/run.sh`, content: '#!/bin/sh\necho hi\n', mode: 0o755 },
          { name: `./${DIR}/link`, type: 'symlink', target: 'hello.txt' },
        ];
        // /cernvm/pickup.tar.gz on a partition (06, 25 item 4): extracted after cernvm_inject.
        const pickup = tarGz([
          { name: `${DIR}/hello.txt`, content: 'hello from the pickup archive\n' },
          { name: `${DIR}/pickup.txt`, content: 'pickup\n' },
        ]);
        const { boot, scratch } = await bootWith(
          run,
          'context-inject',
          block('cvmfs_http_proxy=DIRECT', inject(members)),
          { extra: { 'pickup.tar.gz': pickup } },
        );
        expect(boot.stages['06-extracontext']).toMatch(/: ok extra=none pickup=vdd1 keys=2 /);
        expect(boot.stages['25-inject']).toBe('[ucvm] 25-inject: ok injected 7 entries');
        // In the OS (find -type f: the symlink is not a file).
        expect(boot.report.injected).toEqual(['hello.txt', 'pickup.txt', 'sub/run.sh']);
        // Offline: the files sit in the union's upper layer, the marker in context/.
        expect(await scratch.cat(`/persistent/${DIR}/hello.txt`)).toBe(
          'hello from the pickup archive\n',
        );
        expect(await scratch.cat(`/persistent/${DIR}/sub/run.sh`)).toBe('#!/bin/sh\necho hi\n');
        expect(await scratch.mode(`/persistent/${DIR}/sub/run.sh`)).toBe(0o755);
        expect(await scratch.mode(`/persistent/${DIR}/hello.txt`)).toBe(0o644);
        expect(await scratch.cat('/context/pickup.tar.gz')).toBeDefined();
        expect(await scratch.cat('/context/injected')).toBe('entries=5\n');
        expect(await scratch.cat('/context/inject-rejected')).toBeUndefined();
        const listing = await scratch.find(`/persistent/${DIR}`);
        expect(listing).toEqual([
          `/persistent/${DIR}/hello.txt`,
          `/persistent/${DIR}/link`,
          `/persistent/${DIR}/pickup.txt`,
          `/persistent/${DIR}/sub`,
          `/persistent/${DIR}/sub/run.sh`,
        ]);
        // The busybox copy used for the confined extraction is gone (25-inject).
        expect(await scratch.ls('/aux/.ucvm-untar')).toBeUndefined();
      });
    },
    BOOT_TEST_TIMEOUT_MS,
  );

  it(
    'an archive with a ../ member is refused whole; the boot continues to the OS',
    async () => {
      await withVmRun('context-inject-refused', async (run) => {
        const members: TarMember[] = [
          { name: `${DIR}/`, type: 'dir' },
          { name: `${DIR}/first.txt`, content: 'a valid member before the bad one\n' },
          { name: '../ucvm-escaped.txt', content: 'must never be written\n' },
        ];
        const { boot, scratch } = await bootWith(
          run,
          'context-inject-refused',
          block(inject(members)),
          { markers: ['/ucvm-escaped.txt', `/${DIR}`, `/${DIR}/first.txt`] },
        );
        expect(boot.stages['25-inject']).toBe(
          '[ucvm] 25-inject: warn cernvm_inject rejected: parent reference ../ucvm-escaped.txt',
        );
        expect(boot.stages['14-cvmfs']).toMatch(/: ok .* \(fresh\)$/);
        // Nothing extracted, not even the members before the bad one.
        expect(boot.report.injected).toBeNull();
        expect(boot.report.markers).toEqual({
          '/ucvm-escaped.txt': false,
          [`/${DIR}`]: false,
          [`/${DIR}/first.txt`]: false,
        });
        expect(await scratch.cat('/context/inject-rejected')).toBe(
          'parent reference ../ucvm-escaped.txt\n',
        );
        expect(await scratch.cat('/context/injected')).toBeUndefined();
        const all = await scratch.find('/');
        expect(all.filter((p) => /ucvm-escaped|ucvm-test-inject/.test(p))).toEqual([]);
      });
    },
    BOOT_TEST_TIMEOUT_MS,
  );
});

// ---------------------------------------------------------------------------------------------
// Scenario 8: every key gets shell metacharacters. An injection anywhere (init, cvmfs config,
// hook environment) would create the marker files or print UCVM-PWNED-42 on the console.
// ---------------------------------------------------------------------------------------------

const MARKERS = ['/ucvm-pwned', '/root/ucvm-pwned', '/mnt/.rw/ucvm-pwned', '/tmp/ucvm-pwned'];
const CMD = `touch ${MARKERS.join(' ')} /root.rw/ucvm-pwned; echo UCVM-PWNED-$((6*7)) >/dev/console`;
/** Values (the part after `key=`); the last two break the line, as the spec's newlines do. */
const VECTORS = [
  `$(${CMD})`,
  `\`${CMD}\``,
  `x; ${CMD}`,
  `x' ; ${CMD} ; echo '`,
  `"$(${CMD})"`,
  `x | ${CMD}`,
  `x && ${CMD}`,
  `x > /root.rw/ucvm-pwned`,
  `\${IFS}$(${CMD})\${PATH}*`,
  // `x y` is invalid for every typed key: only unknown keys keep it
  `x y\n${CMD}`,
  `x y\r$(${CMD})`,
];
/** Every key of userdata.md §6.3, plus the non-alias `cvmfs_path`. */
const KEYS = [
  'resize_rootfs',
  'use_boothd',
  'cvmfs_http_proxy',
  'cvmfs_pac_urls',
  'cvmfs_server',
  'cvmfs_cdn',
  'cvmfs_branch',
  'cvmfs_tag',
  'cvmfs_wait_on_squid',
  'cvmfs_wait_on_squid_deadline',
  'cernvm_path',
  'cernvm_inject',
  'useglideinwms',
  'cvm_cluster_pin',
  'cvm_cluster_master',
  'cvm_service_url',
  'cvm_cluster_timeout',
  'cvmfs_path',
];
/** Valid values that still carry metacharacters: applied, and inert (runtime.md §8.4). */
const PROXY = 'http://p1.test:3128|http://p2.test:3128;DIRECT';
const PAC = 'http://wpad.test/wpad.dat;http://x.test/$(poweroff)&(reboot)';

const HOSTILE_USER_DATA = [
  '#!/bin/sh',
  `echo outside the block $(${CMD})`,
  '[ucernvm-begin]',
  ...KEYS.flatMap((k) => VECTORS.map((v) => `${k}=${v}`)),
  ...VECTORS.map((v, i) => `hostile_${i + 1}=${v}`),
  `$(${CMD})=1`,
  `\`${CMD}\`=1`,
  `a;${CMD}=1`,
  `cvmfs_http_proxy=${PROXY}`,
  `cvmfs_pac_urls=${PAC}`,
  '[ucernvm-end]',
  `[ucernvm-begin]\nhostile_tail='it''s'; ${CMD}`,
  '',
].join('\n');
const HOSTILE_EXTRA = block(`extra_hostile=$(${CMD})`, `cvmfs_cdn=\`${CMD}\``);

/** The value a hostile_<n> key keeps: up to the first line break, quotes as userdata.md §6.1. */
function storedValue(v: string): string {
  const line = v.split(/[\r\n]/)[0] ?? '';
  return line.length >= 2 && line[0] === line[line.length - 1] && /^["']/.test(line)
    ? line.slice(1, -1)
    : line;
}
const shq = (v: string) => `'${v.replaceAll("'", "'\\''")}'`;

describe('hostile user data in QEMU (testing.md §4 scenario 8)', () => {
  it(
    'shell metacharacters in every key are inert: no marker file, no command output',
    async () => {
      await withVmRun('context-hostile', async (run) => {
        const { boot, scratch } = await bootWith(run, 'context-hostile', HOSTILE_USER_DATA, {
          markers: MARKERS,
          extra: { 'extra-user-data': HOSTILE_EXTRA },
        });
        const repo = built.branch.repository;
        // Invalid values were ignored: defaults and kernel parameters apply; the boot completes.
        expect(boot.stages['14-cvmfs']).toBe(
          `[ucvm] 14-cvmfs: ok ${repo} rev ${OS_ROOT_HASH} tag - (fresh)`,
        );
        expect(boot.stages['25-inject']).toBe('[ucvm] 25-inject: skip nothing to inject');
        expect(boot.stages['06-extracontext']).toMatch(
          /: ok extra=vdd1 pickup=none keys=\d+ warnings=\d+$/,
        );

        // No injection ran, in the initrd or in the OS …
        expect(boot.report.markers).toEqual(Object.fromEntries(MARKERS.map((m) => [m, false])));
        expect(boot.lines.filter((l) => l.includes('UCVM-PWNED-42'))).toEqual([]);
        const all = await scratch.find('/');
        expect(all.filter((p) => p.includes('ucvm-pwned'))).toEqual([]);
        // … and no raw value reached the console (runtime.md §1.4 item 6).
        expect(boot.lines.filter((l) => l.startsWith('[ucvm]') && /pwned|PWNED/.test(l))).toEqual(
          [],
        );

        // The valid values with `;`, `|`, `$(…)`, `&` are applied verbatim (§8.4 table).
        const [m] = standinMounts(boot.report.standinRecord);
        expect(m?.get('CVMFS_HTTP_PROXY')).toBe(PROXY);
        expect(m?.get('CVMFS_PAC_URLS')).toBe(PAC);
        expect(m?.get('CVMFS_SERVER_URL')).toBe(
          built.branch.servers.map((h) => `http://${h}/cvmfs/${repo}`).join(';'),
        );
        const conf = (await scratch.cat('/ulogs/cvmfs.conf')) ?? '';
        expect(conf).toContain(`CVMFS_PAC_URLS=${shq(PAC)}\n`);
        for (const l of conf.split('\n').filter((x) => x !== '' && !x.startsWith('#')))
          expect(l).toMatch(/^[A-Z_][A-Z0-9_]*='([^']|'\\'')*'$/);

        // ucontext: every line one single-quoted assignment, inert when sourced (§6.6).
        const ucontext = (await scratch.cat('/context/ucontext')) ?? '';
        const lines = ucontext.split('\n').filter((x) => x !== '');
        expect(lines[0]).toBe('# ucvm-context 1');
        for (const l of lines.slice(1)) expect(l).toMatch(/^_UCONTEXT_[A-Z0-9_]+='([^']|'\\'')*'$/);
        for (const [i, v] of VECTORS.entries())
          expect(ucontext).toContain(`_UCONTEXT_HOSTILE_${i + 1}=${shq(storedValue(v))}\n`);
        expect(await scratch.cat('/context/extra-ucontext')).toBe(
          `# ucvm-context 1\n_UCONTEXT_EXTRA_HOSTILE=${shq(`$(${CMD})`)}\n`,
        );
        expect(((await scratch.cat('/context/warnings')) ?? '').length).toBeGreaterThan(0);
        // The hook got the keys as environment strings, cernvm_inject excluded (§6.3).
        const keys = boot.report.bootstrap?.['ucontext-keys']?.trim().split(' ') ?? [];
        expect(keys).toEqual(expect.arrayContaining(['HOSTILE_1', 'EXTRA_HOSTILE', 'CVMFS_PATH']));
        expect(keys).not.toContain('CERNVM_INJECT');
      });
    },
    BOOT_TEST_TIMEOUT_MS,
  );
});
