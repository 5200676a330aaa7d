import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { ImagesError } from '../errors.js';
import { findTool } from '../hdd.js';

// The I/O edge of inspect: the content of a qcow2, VDI, VMDK or dynamic VHD is read by letting
// qemu-img (Debian qemu-utils, the owner of these formats' readers) convert it to raw in a
// private temporary directory, removed afterwards.

export type QemuReadable = 'qcow2' | 'vdi' | 'vmdk' | 'vpc';

export interface QemuRawOptions {
  /** The qemu-img to run (default: `qemu-img` on PATH). */
  qemuImg?: string;
  /** Deadline of the conversion (default 2 minutes). */
  timeoutMs?: number;
}

/** The raw disk inside `bytes` of the given format. */
export async function qemuImgToRaw(
  bytes: Uint8Array,
  format: QemuReadable,
  opts: QemuRawOptions = {},
): Promise<Uint8Array> {
  const qemuImg = await findTool(opts.qemuImg ?? 'qemu-img', 'qemu-utils');
  const work = await mkdtemp(join(tmpdir(), 'ucvm-inspect-'));
  try {
    const input = join(work, `disk.${format}`);
    const output = join(work, 'disk.raw');
    await writeFile(input, bytes);
    // convert reads past a cut file as zeros; check finds it (qcow2, vmdk: offsets beyond
    // EOF). Exit 3 means leaked clusters only, harmless for reading.
    if (format === 'qcow2' || format === 'vmdk') {
      const c = await execa(qemuImg, ['check', '-q', '-f', format, input], {
        env: { LC_ALL: 'C' },
        extendEnv: true,
        timeout: opts.timeoutMs ?? 120_000,
        stdin: 'ignore',
        reject: false,
      });
      if (c.exitCode !== 0 && c.exitCode !== 3) {
        const first = `${c.stderr}\n${c.stdout}`.trim().split('\n')[0] ?? '';
        throw new ImagesError(
          'INSPECT_QEMU_IMG_FAILED',
          `qemu-img check finds the ${format} image damaged (exit ${c.exitCode}): ${first}`,
          'the file is damaged or cut: copy or download it again',
          1,
        );
      }
    }
    try {
      await execa(qemuImg, ['convert', '-q', '-f', format, '-O', 'raw', input, output], {
        env: { LC_ALL: 'C' },
        extendEnv: true,
        timeout: opts.timeoutMs ?? 120_000,
        stdin: 'ignore',
      });
    } catch (e) {
      const err = e as { stderr?: string; shortMessage?: string };
      throw new ImagesError(
        'INSPECT_QEMU_IMG_FAILED',
        `qemu-img could not read the ${format} image: ${(err.stderr || err.shortMessage || String(e)).trim()}`,
        'the file is damaged or cut: copy or download it again (qemu-img check tells more)',
        1,
      );
    }
    return new Uint8Array(await readFile(output));
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
