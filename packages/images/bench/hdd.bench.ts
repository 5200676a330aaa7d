// ucvm's HDD build (buildHdd: MBR + FAT16 partition written in TypeScript, then the host's
// `syslinux --install`) vs the shell pipeline of image-recipes.md §4.1 (truncate, sfdisk,
// mkfs.vfat --offset, mmd/mcopy @@offset, syslinux --install --offset, dd mbr.bin) on the same
// staging tree and disk size. vitest prints how many times faster the first entry is.
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, bench, describe } from 'vitest';
import { buildHdd, loadTree, treeFromDirectory } from '../src/index.js';
import { EPOCH } from '../test/fixtures.js';
import { makeStage, populateScript } from './stage.js';

const { work, stage, env } = makeStage('hdd');
afterAll(() => rmSync(work, { recursive: true, force: true }));
const MBR_BIN = '/usr/lib/syslinux/mbr/mbr.bin';
const mbrCode = readFileSync(MBR_BIN);
const SIZE_MIB = 24; // buildHdd's default disk size
const START = 2048; // partition start, sectors (1 MiB)
const opts = { time: 3000, iterations: 5 };

function sh(cmd: string, args: string[], input?: string): void {
  execFileSync(cmd, args, { env, input, stdio: ['pipe', 'ignore', 'pipe'] });
}

describe(`HDD (${SIZE_MIB} MiB, MBR + FAT16 partition + syslinux)`, () => {
  bench(
    'ucvm buildHdd',
    async () => {
      const tree = await loadTree(await treeFromDirectory(stage));
      await buildHdd(join(work, 'ucvm.hdd'), tree, { sourceDateEpoch: EPOCH, mbrCode });
    },
    opts,
  );
  bench(
    'sfdisk + mkfs.vfat + mcopy + syslinux --install + dd mbr.bin',
    () => {
      const img = join(work, 'x.hdd');
      const offset = START * 512;
      rmSync(img, { force: true });
      sh('truncate', ['-s', `${SIZE_MIB}M`, img]);
      sh(
        'sfdisk',
        ['--quiet', '--no-reread', '--no-tell-kernel', img],
        `label: dos\nlabel-id: 0x55435648\nunit: sectors\nstart=${START}, type=e, bootable\n`,
      );
      const partKiB = (SIZE_MIB * 2048 - START) / 2;
      sh('mkfs.vfat', [
        ...['--invariant', '-i', '55435648', '-n', 'UCERNVM', '-F', '16'],
        ...['-h', String(START), '--offset', String(START), img, String(partKiB)],
      ]);
      sh('sh', ['-c', populateScript(stage, `${img}@@${offset}`)]);
      sh('syslinux', ['--install', '--offset', String(offset), '--directory', '/isolinux', img]);
      sh('dd', [`if=${MBR_BIN}`, `of=${img}`, 'bs=440', 'count=1', 'conv=notrunc', 'status=none']);
    },
    opts,
  );
});
