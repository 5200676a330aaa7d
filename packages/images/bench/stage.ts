// The staging tree both image benches use: µCernVM-sized (8 MiB kernel, 1 MiB initrd,
// isolinux/syslinux files from the host), written once into a temporary directory.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { bytes, EPOCH } from '../test/fixtures.js';

export interface BenchStage {
  work: string;
  stage: string;
  env: NodeJS.ProcessEnv;
}

export function makeStage(name: string): BenchStage {
  const work = mkdtempSync(join(tmpdir(), `ucvm-${name}-bench-`));
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
  return { work, stage, env };
}

/** mmd/mcopy every entry of `stage` in sorted order into the FAT at `imageSpec` (`IMG` or `IMG@@OFFSET`). */
export function populateScript(stage: string, imageSpec: string): string {
  return `cd "${stage}" && find . -mindepth 1 -printf '%y %P\\n' | LC_ALL=C sort -k2 | while read -r t p; do case $t in d) mmd -i "${imageSpec}" "::/$p";; f) mcopy -m -i "${imageSpec}" "$p" "::/$p";; esac; done`;
}
