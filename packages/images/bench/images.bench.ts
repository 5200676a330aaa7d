// ucvm writers vs the reference-tool pipelines of image-recipes.md §3.2 and §5.1, on the same
// staging tree (a µCernVM-sized tree: 8 MiB kernel, 1 MiB initrd, isolinux). Run:
//   pnpm --filter @ucvm/images bench
// vitest prints, per group, how many times faster the first entry is than the others.
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, bench, describe } from 'vitest';
import { loadTree, treeFromDirectory, writeFatFile, writeIsoFile } from '../src/index.js';
import { EPOCH } from '../test/fixtures.js';
import { makeStage, populateScript } from './stage.js';

const { work, stage, env } = makeStage('images');
afterAll(() => rmSync(work, { recursive: true, force: true }));
const D = '2023111422132000';
const isohdpfx = readFileSync('/usr/lib/ISOLINUX/isohdpfx.bin');
const opts = { time: 3000, iterations: 5 };

describe('ISO (isolinux El Torito + boot-info-table + isohybrid)', () => {
  bench(
    'ucvm writeIsoFile',
    async () => {
      const tree = await loadTree(await treeFromDirectory(stage));
      await writeIsoFile(join(work, 'ucvm.iso'), tree, {
        sourceDateEpoch: EPOCH,
        bios: { bootFile: 'isolinux/isolinux.bin' },
        isohybrid: { mbrCode: isohdpfx },
      });
    },
    opts,
  );
  bench(
    'xorriso -as mkisofs',
    () => {
      rmSync(join(work, 'x.iso'), { force: true });
      execFileSync(
        'xorriso',
        [
          '-report_about',
          'SORRY',
          '-as',
          'mkisofs',
          '-o',
          join(work, 'x.iso'),
          '-V',
          'UCERNVM',
          '-r',
          `--modification-date=${D}`,
          '--set_all_file_dates',
          D,
          '-b',
          'isolinux/isolinux.bin',
          '-c',
          'isolinux/boot.cat',
          '-no-emul-boot',
          '-boot-load-size',
          '4',
          '-boot-info-table',
          '-isohybrid-mbr',
          '/usr/lib/ISOLINUX/isohdpfx.bin',
          stage,
        ],
        { env, stdio: 'ignore' },
      );
    },
    opts,
  );
});

describe('FAT (16 MiB, populated)', () => {
  const size = 16 * 1024 * 1024;
  bench(
    'ucvm writeFatFile',
    async () => {
      const tree = await loadTree(await treeFromDirectory(stage));
      await writeFatFile(join(work, 'ucvm.fat'), tree, {
        sizeBytes: size,
        sourceDateEpoch: EPOCH,
        fatType: 16,
      });
    },
    opts,
  );
  bench(
    'mkfs.fat + mmd/mcopy (sorted, one by one)',
    () => {
      const img = join(work, 'x.fat');
      rmSync(img, { force: true });
      execFileSync(
        'mkfs.fat',
        [
          '-C',
          '--invariant',
          '-i',
          '55435646',
          '-n',
          'UCERNVM',
          '-F',
          '16',
          img,
          String(size / 1024),
        ],
        { env, stdio: 'ignore' },
      );
      execFileSync('sh', ['-c', populateScript(stage, img)], { env, stdio: 'ignore' });
    },
    opts,
  );
});
