// ucvm writers vs the reference-tool pipelines of image-recipes.md §3.2 and §5.1, on the same
// staging tree (a µCernVM-sized tree: 8 MiB kernel, 1 MiB initrd, isolinux). Run:
//   pnpm --filter @ucvm/images bench
// vitest prints, per group, how many times faster the first entry is than the others.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, bench, describe } from 'vitest';
import { loadTree, treeFromDirectory, writeFatFile, writeIsoFile } from '../src/index.js';
import { bytes, EPOCH } from '../test/fixtures.js';

const work = mkdtempSync(join(tmpdir(), 'ucvm-images-bench-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const stage = join(work, 'stage');
const cfg =
  'SERIAL 0 115200\nPROMPT 0\nDEFAULT normal\nLABEL normal\n  KERNEL /cernvm/vmlinuz.xz\n';
const files: Record<string, Buffer> = {
  '.ucernvm_boot_loader': Buffer.alloc(0),
  version: Buffer.from('cvm-prod.cern.ch at HEAD, uCernVM 2026.11-1.cernvm.x86_64\n'),
  'cernvm/vmlinuz.xz': bytes('kernel', 8 * 1024 * 1024),
  'cernvm/initrd.img': bytes('initrd', 1024 * 1024),
  'isolinux/isolinux.bin': readFileSync('/usr/lib/ISOLINUX/isolinux.bin'),
  'isolinux/ldlinux.c32': readFileSync('/usr/lib/syslinux/modules/bios/ldlinux.c32'),
  'isolinux/isolinux.cfg': Buffer.from(cfg),
  'isolinux/syslinux.cfg': Buffer.from(cfg),
  'boot/grub/menu.lst': Buffer.from('default 0\ntimeout 0\n'),
};
for (const [p, d] of Object.entries(files)) {
  mkdirSync(dirname(join(stage, p)), { recursive: true });
  writeFileSync(join(stage, p), d);
}
const env = {
  ...process.env,
  TZ: 'UTC',
  LC_ALL: 'C',
  SOURCE_DATE_EPOCH: String(EPOCH),
  MTOOLS_SKIP_CHECK: '1',
};
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
      execFileSync(
        'sh',
        [
          '-c',
          `cd "${stage}" && find . -mindepth 1 -printf '%y %P\\n' | LC_ALL=C sort -k2 | while read -r t p; do case $t in d) mmd -i "${img}" "::/$p";; f) mcopy -m -i "${img}" "$p" "::/$p";; esac; done`,
        ],
        { env, stdio: 'ignore' },
      );
    },
    opts,
  );
});
