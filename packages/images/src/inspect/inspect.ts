import { constants, gunzipSync } from 'node:zlib';
import { ImagesError } from '../errors.js';
import { isUstar, readUstar } from '../tar/reader.js';
import { archiveKind, describeArchive } from './archive.js';
import { qcow2Info, vdiInfo, vhdInfo, vmdkInfo } from './container.js';
import { type DetectedFormat, detectFormat } from './detect.js';
import { readDisk } from './disk.js';
import { type FileSystemView, fatView, readContents } from './file-system.js';
import { readIsoImage } from './iso.js';
import { bzImageVersion } from './kernel.js';
import { type QemuReadable, qemuImgToRaw } from './qemu-raw.js';
import type { ContainerInfo, ImageInspection, ImageKind } from './types.js';

// `inspectImage` (build.md §8 `ucvm inspect`): from the bytes of any product except the initrd
// (which @ucvm/initrd inspects) to an ImageInspection. Everything is computed from the bytes;
// the one edge is the raw content of qcow2/VDI/VMDK/dynamic VHD, read through `toRaw`
// (qemu-img by default).

export interface InspectImageOptions {
  /** Reads the raw disk inside a qcow2/VDI/VMDK/dynamic VHD (default: qemu-img convert). */
  toRaw?: (bytes: Uint8Array, format: QemuReadable) => Promise<Uint8Array>;
  /** Largest virtual disk converted to raw for a look inside (default 4 GiB). */
  maxRawBytes?: number;
}

/** The kinds of file `inspectImage` reads (for messages). */
export const INSPECTABLE_KINDS =
  'ISO 9660 (.iso), raw MBR/GPT disk (.hdd, .hvm), bare FAT (.fat), VHD, qcow2, VDI, VMDK, tar (update pack ucernvm.*.tar, .ova, .box) and tar.gz (GCE)';

const GIB = 1024 ** 3;

function empty(kind: ImageKind, size: number): ImageInspection {
  return { kind, size, fileSystems: [], bootConfigs: [], inner: [], notes: [] };
}

/** Fills in what a raw disk / ISO / FAT holds: partitions, file systems, boot config, versions. */
function fillFromRaw(out: ImageInspection, raw: Uint8Array, what: string): void {
  const format = detectFormat(raw);
  let views: FileSystemView[];
  if (format === 'disk') {
    const d = readDisk(raw);
    out.partitionTable = d.table;
    views = d.views;
    if (views.length === 0) out.notes.push(`no FAT file system in any partition of the ${what}`);
  } else if (format === 'iso') {
    const r = readIsoImage(raw);
    out.iso = r.iso;
    if (r.partitionTable) out.partitionTable = r.partitionTable;
    views = r.views;
  } else if (format === 'fat') {
    views = [fatView(raw, 'whole file', 0)];
  } else {
    out.notes.push(`the ${what} holds no partition table or file system ucvm reads`);
    return;
  }
  out.fileSystems = views.map((v) => v.info);
  const c = readContents(views);
  out.bootConfigs = c.bootConfigs;
  if (c.version !== undefined) out.version = c.version;
  if (c.kernelVersion !== undefined) out.kernelVersion = c.kernelVersion;
}

function gunzip(bytes: Uint8Array): Uint8Array {
  try {
    return gunzipSync(bytes, { maxOutputLength: 4 * GIB - 1 });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ERR_BUFFER_TOO_LARGE')
      throw new ImagesError(
        'INSPECT_TOO_LARGE',
        'the gzip stream unpacks to more than 4 GiB',
        'unpack it yourself and inspect the disk inside',
        1,
      );
    throw new ImagesError(
      err.code === 'Z_BUF_ERROR' ? 'INSPECT_TRUNCATED' : 'INSPECT_BAD_GZIP',
      `the gzip stream cannot be unpacked: ${err.message}`,
      'the file is damaged or cut: copy or download it again',
      1,
    );
  }
}

/** True when a gzip file holds a tar (an image archive) rather than, e.g., a gzip initrd. */
export function gzipHoldsTar(bytes: Uint8Array): boolean {
  if (detectFormat(bytes) !== 'gzip') return false;
  try {
    // 4 KiB of deflate inflate to at most ~4.2 MiB (ratio limit 1032:1): enough for a header.
    const head = gunzipSync(bytes.subarray(0, 4096), {
      finishFlush: constants.Z_SYNC_FLUSH,
      maxOutputLength: 8 << 20,
    });
    return isUstar(head);
  } catch {
    return false;
  }
}

const CONTAINER_INFO: Partial<Record<DetectedFormat, (b: Uint8Array) => ContainerInfo>> = {
  qcow2: qcow2Info,
  vdi: vdiInfo,
  vmdk: vmdkInfo,
  vhd: vhdInfo,
};

/** The virtual size of a disk-like member, without converting it. */
function diskSizeOf(bytes: Uint8Array): number | undefined {
  const format = detectFormat(bytes);
  const info = format ? CONTAINER_INFO[format] : undefined;
  if (info) {
    try {
      return info(bytes).virtualSize;
    } catch {
      return undefined;
    }
  }
  return format === 'disk' || format === 'iso' || format === 'fat' ? bytes.length : undefined;
}

/** Describes any ucvm product but the initrd. Throws INSPECT_UNKNOWN_FORMAT (exit 2) else. */
export async function inspectImage(
  bytes: Uint8Array,
  opts: InspectImageOptions = {},
): Promise<ImageInspection> {
  const format = detectFormat(bytes);
  if (format === undefined) {
    throw new ImagesError(
      'INSPECT_UNKNOWN_FORMAT',
      `the file (${bytes.length} bytes) is none of the formats ucvm inspects`,
      `ucvm inspect reads: ${INSPECTABLE_KINDS}`,
      2,
    );
  }
  const toRaw = opts.toRaw ?? ((b: Uint8Array, f: QemuReadable) => qemuImgToRaw(b, f));
  const maxRaw = opts.maxRawBytes ?? 4 * GIB;
  switch (format) {
    case 'iso':
    case 'disk':
    case 'fat': {
      const out = empty(format, bytes.length);
      fillFromRaw(out, bytes, format === 'disk' ? 'disk' : format);
      return out;
    }
    case 'vhd':
    case 'qcow2':
    case 'vdi':
    case 'vmdk': {
      const out = empty(format, bytes.length);
      const info = CONTAINER_INFO[format]!(bytes);
      out.container = info;
      if (format === 'vhd' && info.fields.type === 'fixed') {
        // A fixed VHD is the raw disk followed by its footer.
        if (bytes.length - 512 < info.virtualSize) {
          throw new ImagesError(
            'INSPECT_TRUNCATED',
            `the fixed VHD's footer gives ${info.virtualSize} bytes of disk but the file holds ${bytes.length - 512}`,
            'the file was cut: copy or download it again',
            1,
          );
        }
        fillFromRaw(out, bytes.subarray(0, info.virtualSize), 'VHD disk');
        return out;
      }
      if (info.virtualSize > maxRaw) {
        out.notes.push(
          `the disk content was not read: its virtual size ${info.virtualSize} exceeds ${maxRaw} bytes`,
        );
        return out;
      }
      const raw = await toRaw(bytes, format === 'vhd' ? 'vpc' : format);
      fillFromRaw(out, raw, `${format} disk`);
      return out;
    }
    case 'tar':
    case 'gzip': {
      const gz = format === 'gzip';
      const tar = gz ? gunzip(bytes) : bytes;
      if (gz && !isUstar(tar)) {
        throw new ImagesError(
          'INSPECT_UNKNOWN_FORMAT',
          'the gzip file holds no tar archive',
          `ucvm inspect reads: ${INSPECTABLE_KINDS}, and initrds`,
          2,
        );
      }
      const members = readUstar(tar);
      const out = empty(archiveKind(members, gz), bytes.length);
      out.archive = describeArchive(members, gz, (m) => diskSizeOf(m.data));
      const apply = out.archive.apply?.fields;
      if (apply?.version !== undefined) out.version = apply.version;
      const kernel = members.find((m) => m.name === apply?.kernel);
      const kernelVersion = kernel ? bzImageVersion(kernel.data) : undefined;
      if (kernelVersion !== undefined) out.kernelVersion = kernelVersion;
      // The disk worth looking into: disk.raw, or the OVF's first (boot) disk.
      const files = members.filter((m) => m.type === 'file');
      const ovfBoot = out.archive.ovfDisks?.[0]?.href;
      const boot =
        (ovfBoot !== undefined ? files.find((m) => m.name === ovfBoot) : undefined) ??
        files.find((m) => m.name === 'disk.raw') ??
        (out.kind === 'ova' || out.kind === 'box'
          ? files.find((m) => {
              const f = detectFormat(m.data);
              return f !== undefined && f !== 'tar' && f !== 'gzip';
            })
          : undefined);
      if (boot)
        out.inner.push({ name: boot.name, inspection: await inspectImage(boot.data, opts) });
      return out;
    }
  }
}
