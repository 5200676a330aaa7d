// Issue #6's QEMU proof (testing.md §4 scenario 6, NoCloud; runtime.md §3 05, 13): a NoCloud
// `cidata` disk with a [ucernvm-begin] block configures CernVM-FS (asserted through the cvmfs
// stand-in's record); a second boot of the same disks restores the context without a lookup.
import { rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withVmRun } from '../src/index.js';
import { BOOT_TEST_TIMEOUT_MS, bootContext, standinMounts } from './fixtures/context-boot.js';
import { blankDisk, buildNoCloudIso } from './fixtures/context-disks.js';
import { openScratch } from './fixtures/context-scratch.js';
import { type TestInitrd, testInitrd } from './fixtures/init-initrd.js';
import { buildTestOsDisk, OS_ROOT_HASH } from './fixtures/test-os.js';

let built: TestInitrd;
let repo: string;

beforeAll(async () => {
  built = await testInitrd();
  repo = built.branch.repository;
}, 400_000);

afterAll(async () => {
  if (built) await rm(dirname(built.initrd), { recursive: true, force: true });
});

/** `host[:port]` entries as 14-cvmfs writes them (runtime.md §5.1). */
const urls = (...hosts: string[]) => hosts.map((h) => `http://${h}/cvmfs/${repo}`).join(';');

const NOCLOUD_USER_DATA = `#cloud-config
# cloud-init's part of the file: outside the block, ignored by the init (userdata.md §5.1)
hostname: ucvm-test
[ucernvm-begin]
cvmfs_server=nocloud-s1.test,nocloud-s2.test:8000
cvmfs_http_proxy=http://nocloud-proxy.test:3128;DIRECT
cvmfs_pac_urls=http://nocloud-wpad.test/wpad.dat
cvmfs_tag=nocloud-tag-1
nocloud_key=kept for the OS
[ucernvm-end]
`;

describe('contextualisation in QEMU: NoCloud first and second boot (issue #6)', () => {
  it(
    'NoCloud cidata: the block configures CernVM-FS; a second boot restores the context without fetching',
    async () => {
      await withVmRun('context-nocloud', async (run) => {
        const osDisk = await buildTestOsDisk(run.dir, { cernvmPath: built.branch.path });
        const cidata = await buildNoCloudIso(run.dir, NOCLOUD_USER_DATA);
        const scratch = await blankDisk(run.dir);
        const drives = [
          { file: osDisk, interface: 'virtio', mode: 'readonly' },
          { file: scratch, interface: 'virtio', mode: 'readwrite' },
          { file: cidata, interface: 'virtio', mode: 'readonly' },
        ] as const;
        const bytes = Buffer.byteLength(NOCLOUD_USER_DATA);
        const first = await bootContext(run, built, {
          label: 'context-nocloud first boot',
          drives: [...drives],
          append: ['ucvm_net=off'],
        });
        expect(first.stages['05-metadata']).toBe(
          `[ucvm] 05-metadata: ok source=NoCloud bytes=${bytes}`,
        );
        expect(first.stages['06-extracontext']).toMatch(
          /: ok extra=none pickup=none keys=5 warnings=0$/,
        );
        expect(first.stages['10-scratch']).toMatch(/: ok \/dev\/vdb1 created/);
        expect(first.stages['13-context']).toBe('[ucvm] 13-context: ok source=NoCloud (persisted)');
        expect(first.stages['14-cvmfs']).toBe(
          `[ucvm] 14-cvmfs: ok ${repo} rev ${OS_ROOT_HASH} tag nocloud-tag-1 (fresh)`,
        );
        const servers = urls('nocloud-s1.test', 'nocloud-s2.test:8000');
        expect(first.lines).toContain(
          `[ucvm] 14-cvmfs: info repository ${repo} path /${built.branch.path} proxy http://nocloud-proxy.test:3128;DIRECT servers ${servers} tag nocloud-tag-1`,
        );
        // The configuration the stand-in was given (runtime.md §5.2).
        const [m1] = standinMounts(first.report.standinRecord);
        expect(m1?.get('CVMFS_SERVER_URL')).toBe(servers);
        expect(m1?.get('CVMFS_HTTP_PROXY')).toBe('http://nocloud-proxy.test:3128;DIRECT');
        expect(m1?.get('CVMFS_PAC_URLS')).toBe('http://nocloud-wpad.test/wpad.dat');
        expect(m1?.get('CVMFS_REPOSITORY_TAG')).toBe('nocloud-tag-1');
        expect(m1?.has('CVMFS_ROOT_HASH')).toBe(false);
        expect(first.report.contextFiles).toEqual(
          expect.arrayContaining(['source', 'user-data', 'ucontext', 'ucontext.json']),
        );
        expect(first.report.bootstrap?.['ucontext-keys']?.trim().split(' ')).toEqual([
          'CVMFS_HTTP_PROXY',
          'CVMFS_PAC_URLS',
          'CVMFS_SERVER',
          'CVMFS_TAG',
          'NOCLOUD_KEY',
        ]);

        const second = await bootContext(run, built, {
          label: 'context-nocloud second boot',
          drives: [...drives],
          append: ['ucvm_net=off'],
        });
        expect(second.stages['05-metadata']).toBe('[ucvm] 05-metadata: skip not a first boot');
        expect(second.stages['06-extracontext']).toBe(
          '[ucvm] 06-extracontext: skip not a first boot',
        );
        expect(second.stages['10-scratch']).toBe('[ucvm] 10-scratch: ok /dev/vdb1 mounted');
        expect(second.stages['13-context']).toBe('[ucvm] 13-context: ok source=NoCloud (restored)');
        expect(second.stages['14-cvmfs']).toBe(
          `[ucvm] 14-cvmfs: ok ${repo} rev ${OS_ROOT_HASH} tag nocloud-tag-1 (pinned)`,
        );
        expect(second.report.persistBoot).toBe(2);
        const mounts = standinMounts(second.report.standinRecord);
        expect(mounts).toHaveLength(2);
        const m2 = mounts[1];
        for (const k of ['CVMFS_SERVER_URL', 'CVMFS_HTTP_PROXY', 'CVMFS_PAC_URLS'])
          expect(m2?.get(k), k).toBe(m1?.get(k));
        expect(m2?.get('CVMFS_ROOT_HASH')).toBe(OS_ROOT_HASH);

        // Offline: the persisted context is the cidata user data, and the second boot's
        // context log holds no metadata lookup (05 did not run, 13 did not retry it).
        const fs = await openScratch(scratch, run.dir, 'after-second');
        expect(await fs.cat('/context/source')).toBe('NoCloud\n');
        expect(await fs.cat('/context/user-data')).toBe(NOCLOUD_USER_DATA);
        const ucontext = await fs.cat('/context/ucontext');
        expect(ucontext).toContain(
          "_UCONTEXT_CVMFS_SERVER='nocloud-s1.test,nocloud-s2.test:8000'\n",
        );
        expect(ucontext).toContain("_UCONTEXT_NOCLOUD_KEY='kept for the OS'\n");
        expect(await fs.cat('/ulogs/previous/context.log')).toMatch(
          /05-metadata: nocloud: \/dev\/vdc/,
        );
        const contextLog = (await fs.cat('/ulogs/context.log')) ?? '';
        expect(contextLog).not.toMatch(/05-metadata:/);
        const bootLog = (await fs.cat('/ulogs/boot.log')) ?? '';
        expect(bootLog).toContain('[ucvm] 13-context: ok source=NoCloud (restored)');
        // The generated configuration of each boot (14-cvmfs item 1, runtime.md §5.2), as written.
        for (const conf of ['/ulogs/previous/cvmfs.conf', '/ulogs/cvmfs.conf']) {
          const text = (await fs.cat(conf)) ?? '';
          expect(text, conf).toContain(`CVMFS_SERVER_URL='${servers}'\n`);
          expect(text, conf).toContain(
            "CVMFS_HTTP_PROXY='http://nocloud-proxy.test:3128;DIRECT'\n",
          );
          expect(text, conf).toContain("CVMFS_PAC_URLS='http://nocloud-wpad.test/wpad.dat'\n");
          expect(text, conf).toContain("CVMFS_REPOSITORY_TAG='nocloud-tag-1'\n");
        }
        expect(await fs.cat('/ulogs/cvmfs.conf')).toContain(`CVMFS_ROOT_HASH='${OS_ROOT_HASH}'\n`);
      });
    },
    2 * BOOT_TEST_TIMEOUT_MS,
  );
});
