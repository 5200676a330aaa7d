import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { withVmRun } from '../src/index.js';
import { buildNoCloudIso } from './fixtures/context-disks.js';
import { bootToTestOs, VM_MS } from './fixtures/matrix-boot.js';
import {
  debugfsCat,
  emptyDisk,
  partitionDump,
  SCRATCH_DISK_BYTES,
  scratchCopy,
} from './fixtures/matrix-disks.js';
import { expectOsContracts } from './fixtures/matrix-expect.js';
import { lastMountRecord, useMatrixImages } from './fixtures/matrix-images.js';
import { buildTestOsDisk, OS_ROOT_HASH } from './fixtures/test-os.js';

// testing.md §4 scenario 5 (runtime.md §8.4 "reboot of the same VM"): a second boot on the
// same scratch disk. Between the boots the repository moves on (the OS disk serves another
// root hash) and the NoCloud seed changes: the pinned snapshot and the persisted user data
// of the first boot must win, the partition table must stay as it was.

const images = useMatrixImages();

const NEXT_ROOT_HASH = 'ffeeddccbbaa99887766554433221100ffeeddcc';
const userData = (proxy: string): string =>
  `[ucernvm-begin]\ncvmfs_http_proxy=${proxy}\n[ucernvm-end]\n`;
const PROXY_1 = 'http://10.0.2.2:3128;DIRECT';
const PROXY_2 = 'http://10.0.2.3:3128;DIRECT';

describe('boot matrix: second boot (testing.md §4 scenario 5)', () => {
  it(
    '5: second boot on the same disks: no re-partitioning, file kept, snapshot pinned, user data not fetched again',
    async () => {
      await withVmRun('matrix-5-second-boot', async (run) => {
        const m = images();
        const scratch = await emptyDisk(run.dir, 'scratch.img', SCRATCH_DISK_BYTES);
        const dir1 = join(run.dir, 'boot1');
        const dir2 = join(run.dir, 'boot2');
        await mkdir(dir1);
        await mkdir(dir2);

        // Boot 1: context boot from the NoCloud seed, fresh mount of OS_ROOT_HASH.
        const os1 = await buildTestOsDisk(dir1, { cernvmPath: m.branch.path });
        const seed1 = await buildNoCloudIso(dir1, userData(PROXY_1));
        const first = await bootToTestOs(
          run,
          'matrix 5: first boot (ISO CD-ROM, NoCloud)',
          {
            cdroms: [m.iso, seed1],
            bootOrder: 'd',
            drives: [
              { file: os1, interface: 'virtio', mode: 'readonly' },
              { file: scratch, interface: 'virtio', mode: 'readwrite' },
            ],
          },
          ['ISOLINUX 6.04'],
        );
        expectOsContracts(first, m);
        expect(first.stages['05-metadata']).toMatch(/^ok source=NoCloud bytes=\d+$/);
        expect(first.stages['10-scratch']).toMatch(/^ok \/dev\/vdb1 created/);
        expect(first.stages['13-context']).toBe('ok source=NoCloud (persisted)');
        expect(first.stages['14-cvmfs']).toBe(
          `ok ${m.branch.repository} rev ${OS_ROOT_HASH} tag - (fresh)`,
        );
        expect(first.report.persistBoot).toBe(1);
        expect(first.report.bootstrap?.['first-boot']).toBe('1');
        expect(first.report.bootstrap?.['ucontext-keys']).toContain('CVMFS_HTTP_PROXY');
        expect(lastMountRecord(first.report.standinRecord)).toContain(
          `CVMFS_HTTP_PROXY=${PROXY_1}`,
        );
        const table1 = await partitionDump(scratch);

        // Boot 2: the repository now serves NEXT_ROOT_HASH and the seed carries other data.
        const os2 = await buildTestOsDisk(dir2, {
          cernvmPath: m.branch.path,
          rootHash: NEXT_ROOT_HASH,
        });
        const seed2 = await buildNoCloudIso(dir2, userData(PROXY_2));
        const second = await bootToTestOs(
          run,
          'matrix 5: second boot (same scratch)',
          {
            cdroms: [m.iso, seed2],
            bootOrder: 'd',
            drives: [
              { file: os2, interface: 'virtio', mode: 'readonly' },
              { file: scratch, interface: 'virtio', mode: 'readwrite' },
            ],
          },
          ['ISOLINUX 6.04'],
        );
        expect(second.stages['02-devices']).not.toMatch(/first boot$/);
        expect(second.stages['05-metadata']).toMatch(/^skip/);
        expect(second.stages['10-scratch']).toBe('ok /dev/vdb1 mounted');
        expect(second.stages['13-context']).toBe('ok source=NoCloud (restored)');
        // The snapshot pin file (aux/cvmfs_snapshot) wins over the newer revision (§5.3).
        expect(second.stages['14-cvmfs']).toBe(
          `ok ${m.branch.repository} rev ${OS_ROOT_HASH} tag - (pinned)`,
        );
        const rec = lastMountRecord(second.report.standinRecord);
        expect(rec).toContain(`CVMFS_ROOT_HASH=${OS_ROOT_HASH}`);
        // User data frozen at the context boot: the changed seed was not read.
        expect(rec).toContain(`CVMFS_HTTP_PROXY=${PROXY_1}`);
        expect(second.vm.console.lines.some((l) => l.includes('NoCloud bytes='))).toBe(false);
        // The file the OS wrote on the first boot survived in the upper layer.
        expect(second.report.persistBoot).toBe(2);
        expect(second.report.bootstrap?.['first-boot']).toBe('0');
        expect(second.report.snapshot).toBe(OS_ROOT_HASH);
        expect(second.report.done).toBe(true);
        expect(await partitionDump(scratch), 'partition table after the second boot').toBe(table1);
        const part = await scratchCopy(scratch, 1, run.dir, 'scratch-p1.img');
        expect(await debugfsCat(part, '/aux/cvmfs_snapshot')).toBe(`${OS_ROOT_HASH}\n\n`);
        expect(await debugfsCat(part, '/persistent/ucvm-test-persist')).toBe('2\n');
      });
    },
    2 * VM_MS + 60_000,
  );
});
