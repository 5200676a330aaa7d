import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { execa } from 'execa';
import { ImagesError } from '../errors.js';
import { findTool } from '../hdd.js';
import { writeImageFile } from '../output.js';
import { setVdiIds } from './vdi.js';
import { setVmdkCid } from './vmdk.js';

// qcow2, VDI and stream-optimised VMDK (build.md §1, §7): formats a foreign project owns, so
// qemu-img (Debian package qemu-utils) converts the raw hdd. Options are pinned rather than
// left to qemu's defaults. qcow2 comes out byte-identical by itself; VDI and VMDK carry random
// ids, replaced by derived ones (vdi.ts, vmdk.ts).

export const QEMU_IMG_FORMATS = ['qcow2', 'vdi', 'vmdk'] as const;
export type QemuImgFormat = (typeof QEMU_IMG_FORMATS)[number];

const OPTIONS: Record<QemuImgFormat, string[]> = {
  qcow2: ['-O', 'qcow2', '-o', 'compat=1.1'],
  vdi: ['-O', 'vdi', '-o', 'static=off'],
  vmdk: ['-O', 'vmdk', '-o', 'subformat=streamOptimized'],
};

export interface QemuImgOptions {
  /** Seed of the VDI UUIDs / VMDK CID (default: sha256 of the raw file). */
  seed?: string;
  /** The qemu-img to run (default: `qemu-img` on PATH). */
  qemuImg?: string;
  /** Deadline of the conversion (default 5 minutes). */
  timeoutMs?: number;
}

async function sha256Of(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const b of createReadStream(path)) h.update(b as Buffer);
  return h.digest('hex');
}

/** Converts the raw disk at `rawPath` into `outPath` (atomically), reproducibly. */
export async function convertWithQemuImg(
  rawPath: string,
  outPath: string,
  format: QemuImgFormat,
  opts: QemuImgOptions = {},
): Promise<void> {
  if (!QEMU_IMG_FORMATS.includes(format)) {
    throw new ImagesError(
      'QEMU_IMG_FORMAT',
      `qemu-img format '${String(format)}' is not one ucvm writes`,
      `use one of: ${QEMU_IMG_FORMATS.join(', ')}`,
    );
  }
  const qemuImg = await findTool(opts.qemuImg ?? 'qemu-img', 'qemu-utils');
  const seed = opts.seed ?? (await sha256Of(rawPath));
  // The VMDK descriptor names its extent file: convert under the final name.
  const work = await mkdtemp(join(tmpdir(), 'ucvm-qemu-img-'));
  try {
    const tmpOut = join(work, basename(outPath));
    try {
      await execa(qemuImg, ['convert', '-q', '-f', 'raw', ...OPTIONS[format], rawPath, tmpOut], {
        env: { LC_ALL: 'C', TZ: 'UTC' },
        extendEnv: true,
        timeout: opts.timeoutMs ?? 300_000,
        stdin: 'ignore',
      });
    } catch (e) {
      const err = e as { stderr?: string; shortMessage?: string };
      throw new ImagesError(
        'QEMU_IMG_FAILED',
        `qemu-img convert to ${format} of ${rawPath} failed: ${(err.stderr || err.shortMessage || String(e)).trim()}`,
        'check that the raw disk exists and there is free space in the temporary directory',
        1,
      );
    }
    const bytes = await readFile(tmpOut);
    if (format === 'vdi') setVdiIds(bytes, seed);
    if (format === 'vmdk') setVmdkCid(bytes, seed);
    await writeImageFile(outPath, [bytes]);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
