// Contextualisation boots in QEMU (testing.md §4 scenario 6; NoCloud and issue #6 are in
// context-nocloud.test.ts): user data from an OpenStack config drive, an EC2 IMDSv2 and an
// OpenStack service reached through guestfwd, extra user data from a partition, and the
// precedence kernel parameter <
// user data < extra user data (runtime.md §2, §5.1; userdata.md §7), asserted through the
// cvmfs stand-in's record of the configuration the init wrote.
import { createHash } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withVmRun } from '../src/index.js';
import { BOOT_TEST_TIMEOUT_MS, bootContext, standinMounts } from './fixtures/context-boot.js';
import {
  blankDisk,
  buildConfigDrive,
  buildExtraPartitionDisk,
  buildNoCloudIso,
} from './fixtures/context-disks.js';
import { openScratch } from './fixtures/context-scratch.js';
import {
  EC2_TOKEN,
  ec2Routes,
  MetadataService,
  openstackRoutes,
} from './fixtures/context-services.js';
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

const CONFIG_DRIVE_USER_DATA = [
  'Content-Type: multipart/mixed; boundary="==ucvm-test=="',
  'MIME-Version: 1.0',
  '',
  '--==ucvm-test==',
  'Content-Type: text/cloud-config; charset="us-ascii"',
  '',
  '#cloud-config',
  'hostname: ucvm-test',
  '--==ucvm-test==',
  'Content-Type: text/plain; charset="us-ascii"',
  '',
  '[ucernvm-begin]',
  'cvmfs_server=cd-s1.test;cd-s2.test',
  'cvmfs_http_proxy=http://cd-proxy.test:3128',
  'cvmfs_tag=cd-tag',
  'hostname_hint=config-2',
  '[ucernvm-end]',
  '--==ucvm-test==--',
  '',
].join('\n');

const EXTRA_USER_DATA =
  '[ucernvm-begin]\ncvmfs_http_proxy=http://extra-proxy.test:3128;DIRECT\nextra_key=from the partition\n[ucernvm-end]\n';

const block = (...lines: string[]) => `[ucernvm-begin]\n${lines.join('\n')}\n[ucernvm-end]\n`;

const OPENSTACK_USER_DATA = block('cvmfs_server=openstack-s1.test', 'cvmfs_tag=openstack-tag');

const EC2_USER_DATA =
  '[ucernvm-begin]\ncvmfs_server=ec2-s1.test:8080\ncvmfs_http_proxy=DIRECT\n[ucernvm-end]\n';

describe('contextualisation in QEMU (testing.md §4 scenario 6)', () => {
  it(
    'config-2 user data and an extra-user-data partition: kernel < user data < extra, config-2 before cidata',
    async () => {
      await withVmRun('context-configdrive-extra', async (run) => {
        const osDisk = await buildTestOsDisk(run.dir, { cernvmPath: built.branch.path });
        const scratch = await blankDisk(run.dir);
        const configDrive = await buildConfigDrive(run.dir, CONFIG_DRIVE_USER_DATA);
        // Also present, but later in the source order (runtime.md §3 05 table): not used.
        const cidata = await buildNoCloudIso(
          run.dir,
          '[ucernvm-begin]\ncvmfs_server=must-not-win.test\n[ucernvm-end]\n',
        );
        const extra = await buildExtraPartitionDisk(run.dir, {
          'extra-user-data': EXTRA_USER_DATA,
        });
        const boot = await bootContext(run, built, {
          label: 'context-configdrive-extra',
          drives: [
            { file: osDisk, interface: 'virtio', mode: 'readonly' },
            { file: scratch, interface: 'virtio', mode: 'readwrite' },
            { file: configDrive, interface: 'virtio', mode: 'readonly' },
            { file: cidata, interface: 'virtio', mode: 'readonly' },
            { file: extra, interface: 'virtio', mode: 'readonly' },
          ],
          append: [
            'ucvm_net=off',
            // kernel parameters that user data overrides (runtime.md §2 precedence)
            'cvmfs_server=kernel-s1.test',
            'cvmfs_proxy=http://kernel-proxy.test:3128',
            'cvmfs_repository_tag=kernel-tag',
          ],
        });
        expect(boot.stages['05-metadata']).toBe(
          `[ucvm] 05-metadata: ok source=ConfigDrive bytes=${Buffer.byteLength(CONFIG_DRIVE_USER_DATA)}`,
        );
        expect(boot.stages['06-extracontext']).toBe(
          '[ucvm] 06-extracontext: ok extra=vde1 pickup=none keys=5 warnings=0',
        );
        expect(boot.stages['14-cvmfs']).toBe(
          `[ucvm] 14-cvmfs: ok ${repo} rev ${OS_ROOT_HASH} tag cd-tag (fresh)`,
        );
        const [m] = standinMounts(boot.report.standinRecord);
        // servers and tag: user data beats the kernel; proxy: extra user data beats both
        expect(m?.get('CVMFS_SERVER_URL')).toBe(urls('cd-s1.test', 'cd-s2.test'));
        expect(m?.get('CVMFS_HTTP_PROXY')).toBe('http://extra-proxy.test:3128;DIRECT');
        expect(m?.get('CVMFS_REPOSITORY_TAG')).toBe('cd-tag');
        // no PAC key anywhere: the built-in WPAD list (runtime.md §5.1)
        expect(m?.get('CVMFS_PAC_URLS')).toMatch(
          /^http:\/\/grid-wpad\/wpad\.dat;http:\/\/wpad\/wpad\.dat;/,
        );
        // The OS sees the extra user data (runtime.md §6.6), byte for byte.
        expect(boot.report.extraUserData).toEqual({
          sha256: createHash('sha256').update(EXTRA_USER_DATA).digest('hex'),
          firstLine: '[ucernvm-begin]',
        });
        expect(boot.report.bootstrap?.['ucontext-keys']?.trim().split(' ')).toEqual([
          'CVMFS_HTTP_PROXY',
          'CVMFS_SERVER',
          'CVMFS_TAG',
          'EXTRA_KEY',
          'HOSTNAME_HINT',
        ]);
        const fs = await openScratch(scratch, run.dir, 'after');
        expect(await fs.cat('/context/source')).toBe('ConfigDrive\n');
        expect(await fs.cat('/context/extra-user-data')).toBe(EXTRA_USER_DATA);
        expect(await fs.cat('/context/extra-ucontext')).toBe(
          "# ucvm-context 1\n_UCONTEXT_CVMFS_HTTP_PROXY='http://extra-proxy.test:3128;DIRECT'\n_UCONTEXT_EXTRA_KEY='from the partition'\n",
        );
        expect(await fs.cat('/persistent/cernvm/extra-user-data')).toBe(EXTRA_USER_DATA);
      });
    },
    BOOT_TEST_TIMEOUT_MS,
  );

  it(
    'EC2 IMDSv2 on 169.254.169.254 through guestfwd (cmd: responder, restrict=on); not asked again on the second boot',
    async () => {
      await withVmRun('context-ec2-imdsv2', async (run) => {
        const osDisk = await buildTestOsDisk(run.dir, { cernvmPath: built.branch.path });
        const scratch = await blankDisk(run.dir);
        const ec2 = MetadataService.create(run.dir, 'ec2', ec2Routes(EC2_USER_DATA));
        const boot = await bootContext(run, built, {
          label: 'context-ec2-imdsv2',
          drives: [
            { file: osDisk, interface: 'virtio', mode: 'readonly' },
            { file: scratch, interface: 'virtio', mode: 'readwrite' },
          ],
          append: [],
          network: ec2.network(),
        });
        expect(boot.lines.find((l) => l.startsWith('[ucvm] 03-network:'))).toMatch(
          /: ok dhcp eth0 169\.254\.\d+\.\d+\/16$/,
        );
        expect(boot.stages['05-metadata']).toBe(
          `[ucvm] 05-metadata: ok source=EC2 bytes=${Buffer.byteLength(EC2_USER_DATA)}`,
        );
        const [m] = standinMounts(boot.report.standinRecord);
        expect(m?.get('CVMFS_SERVER_URL')).toBe(urls('ec2-s1.test:8080'));
        expect(m?.get('CVMFS_HTTP_PROXY')).toBe('DIRECT');
        // The EC2 conversation: a token by PUT (with its TTL header), then every GET with it.
        const served = ec2.requests().filter((r) => r.path.startsWith('/latest/'));
        expect(served.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([
          'PUT /latest/api/token 200',
          'GET /latest/meta-data/instance-id 200',
          'GET /latest/user-data 200',
        ]);
        expect(served[0]?.headers['x-aws-ec2-metadata-token-ttl-seconds']).toBe('300');
        for (const r of served.slice(1))
          expect(r.headers['x-aws-ec2-metadata-token']).toBe(EC2_TOKEN);
        expect(await (await openScratch(scratch, run.dir, 'first')).cat('/context/source')).toBe(
          'EC2\n',
        );

        // Second boot of the same disks with the service still there: nothing is fetched,
        // not even the probe (runtime.md §3 13-context item 2: the persisted context rules).
        const before = ec2.requests().length;
        const second = await bootContext(run, built, {
          label: 'context-ec2-imdsv2 second boot',
          drives: [
            { file: osDisk, interface: 'virtio', mode: 'readonly' },
            { file: scratch, interface: 'virtio', mode: 'readwrite' },
          ],
          append: [],
          network: ec2.network(),
        });
        expect(second.stages['05-metadata']).toBe('[ucvm] 05-metadata: skip not a first boot');
        expect(second.stages['13-context']).toBe('[ucvm] 13-context: ok source=EC2 (restored)');
        expect(ec2.requests().slice(before)).toEqual([]);
        const [, m2] = standinMounts(second.report.standinRecord);
        expect(m2?.get('CVMFS_SERVER_URL')).toBe(urls('ec2-s1.test:8080'));
        const fs = await openScratch(scratch, run.dir, 'second');
        expect(await fs.cat('/context/user-data')).toBe(EC2_USER_DATA);
      });
    },
    2 * BOOT_TEST_TIMEOUT_MS,
  );

  it(
    'OpenStack metadata service: tried before EC2 on the same address (runtime.md §3 05 item 2)',
    async () => {
      await withVmRun('context-openstack', async (run) => {
        const osDisk = await buildTestOsDisk(run.dir, { cernvmPath: built.branch.path });
        const scratch = await blankDisk(run.dir);
        // OpenStack also serves the EC2-style paths; their user data must not be taken.
        const svc = MetadataService.create(run.dir, 'openstack', {
          ...ec2Routes(EC2_USER_DATA),
          ...openstackRoutes(OPENSTACK_USER_DATA),
        });
        const boot = await bootContext(run, built, {
          label: 'context-openstack',
          drives: [
            { file: osDisk, interface: 'virtio', mode: 'readonly' },
            { file: scratch, interface: 'virtio', mode: 'readwrite' },
          ],
          append: [],
          network: svc.network(),
        });
        expect(boot.stages['05-metadata']).toBe(
          `[ucvm] 05-metadata: ok source=OpenStack bytes=${Buffer.byteLength(OPENSTACK_USER_DATA)}`,
        );
        const [m] = standinMounts(boot.report.standinRecord);
        expect(m?.get('CVMFS_SERVER_URL')).toBe(urls('openstack-s1.test'));
        expect(m?.get('CVMFS_REPOSITORY_TAG')).toBe('openstack-tag');
        const served = svc.requests();
        expect(served.filter((r) => r.path.startsWith('/openstack/')).map((r) => r.path)).toEqual([
          '/openstack/latest/meta_data.json',
          '/openstack/latest/user_data',
        ]);
        expect(served.filter((r) => r.path.startsWith('/latest/'))).toEqual([]);
      });
    },
    BOOT_TEST_TIMEOUT_MS,
  );
});
