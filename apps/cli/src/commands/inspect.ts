import { resolve } from 'node:path';
import { detectFormat, gzipHoldsTar, INSPECTABLE_KINDS } from '@ucvm/images';
import { detectCompression, type InitrdInspection, inspectInitrd } from '@ucvm/initrd';
import type { Command } from 'commander';
import { CliError } from '../errors.js';
import { renderImage, size } from '../inspect/render.js';
import { inspectImageFile } from '../inspect/report.js';
import { readImageTrailers } from '../inspect/trailers.js';
import type { CliIo } from '../io.js';
import { readInputFile } from '../read-input.js';

/** Largest file inspect reads (images are ~24 MiB; an OVA with its scratch disk stays small). */
const MAX_INSPECT_BYTES = 2 * 1024 ** 3;

/**
 * `ucvm inspect FILE` (build.md §8): what is inside an initrd, an image (iso, hdd, hvm, fat,
 * vhd, qcow2, vdi, vmdk), an update pack or an archive (GCE tar.gz, ova, box). The kind comes
 * from the bytes, never from the name.
 */
export function registerInspect(program: Command, io: CliIo): void {
  program
    .command('inspect')
    .description(
      'show what is inside an initrd, image, update pack or archive: partitions, file trees, boot configuration, versions, trailers',
    )
    .argument(
      '<file>',
      'initrd.*, ucernvm.*.tar, or an image: .iso .hdd .hvm .fat .vhd .qcow2 .vdi .vmdk .tar.gz .ova .box',
    )
    .option('--tree', 'list every entry')
    .option('--json', 'print the inspection as JSON')
    .action(async (file: string, opts: { tree?: boolean; json?: boolean }) => {
      const bytes = await readInputFile(io.cwd, file, MAX_INSPECT_BYTES);
      const trailers = readImageTrailers(bytes);
      const image = trailers ? bytes.subarray(0, trailers.imageLength) : bytes;
      const format = detectFormat(image);
      const isImage = format !== undefined && (format !== 'gzip' || gzipHoldsTar(image));
      if (!isImage) {
        if (detectCompression(bytes) === undefined) {
          throw new CliError(
            'INSPECT_UNKNOWN_FILE',
            `${resolve(io.cwd, file)} is not a file ucvm inspects (no image, archive or initrd signature)`,
            `ucvm inspect reads: ${INSPECTABLE_KINDS}, and initrds (cpio, gzip, xz, zstd)`,
            2,
          );
        }
        const seen = await inspectInitrd(bytes);
        io.stdout(
          opts.json ? `${JSON.stringify(seen, null, 2)}\n` : describe(seen, Boolean(opts.tree)),
        );
        return;
      }
      const report = await inspectImageFile(file, bytes, trailers ?? null);
      io.stdout(
        opts.json
          ? `${JSON.stringify(report, null, 2)}\n`
          : renderImage(report, Boolean(opts.tree)),
      );
    });
}

export function describe(seen: InitrdInspection, tree: boolean): string {
  const out: string[] = [];
  out.push(`initrd: ${seen.version ?? '(no /version)'}`);
  out.push(
    `compression: ${seen.compression}, ${size(seen.compressedSize)} (${seen.compressedSize} bytes); cpio ${size(seen.cpioSize)} (${seen.cpioSize} bytes)`,
  );
  for (const [k, v] of Object.entries(seen.buildConf)) out.push(`build.conf: ${k}=${v}`);
  if (seen.components.length > 0) {
    out.push('components:');
    const width = Math.max(...seen.components.map((c) => c.name.length));
    for (const c of seen.components)
      out.push(
        `  ${c.name.padEnd(width)}  ${String(c.entries).padStart(5)} entries  ${size(c.bytes).padStart(10)}`,
      );
  }
  for (const m of seen.modules)
    out.push(`modules (${m.version}): ${m.names.length}: ${m.names.join(' ')}`);
  // Bytes per directory two levels deep: where the size goes.
  const dirs = new Map<string, number>();
  for (const e of seen.entries) {
    if (e.type !== 'file') continue;
    const parts = e.path.split('/');
    const key = parts.length > 1 ? parts.slice(0, Math.min(2, parts.length - 1)).join('/') : '/';
    dirs.set(key, (dirs.get(key) ?? 0) + e.size);
  }
  out.push('bytes by directory:');
  for (const [d, n] of [...dirs].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
    out.push(`  ${size(n).padStart(10)}  ${d}`);
  if (tree) {
    out.push('entries:');
    for (const e of seen.entries) {
      const mode = e.mode.toString(8).padStart(4, '0');
      const link = e.target !== undefined ? ` -> ${e.target}` : '';
      out.push(`  ${e.type.padEnd(7)} ${mode} ${String(e.size).padStart(9)}  ${e.path}${link}`);
    }
  }
  return `${out.join('\n')}\n`;
}
