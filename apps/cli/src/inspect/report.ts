import { createHash } from 'node:crypto';
import { type ImageInspection, inspectImage, readUstar } from '@ucvm/images';
import { inspectInitrd } from '@ucvm/initrd';
import { readImageTrailers, type TrailerReport } from './trailers.js';

export type { ImageInspection };

/** The update pack's initrd, as `ucvm inspect initrd.*` would summarise it. */
export interface InitrdSummary {
  member: string;
  version?: string;
  compression: string;
  compressedSize: number;
  components: string[];
  modules: number;
}

/** What `ucvm inspect --json` prints for an image, update pack or archive (stable shape). */
export interface ImageReport {
  file: string;
  /** Bytes of the whole file, trailers included. */
  fileSize: number;
  sha256: string;
  /** The signature trailers, or null for an unsigned file. */
  trailers: TrailerReport | null;
  inspection: ImageInspection;
  initrd?: InitrdSummary;
}

/** Inspects `bytes` (an image, not an initrd): trailers first, then the image before them. */
export async function inspectImageFile(
  file: string,
  bytes: Uint8Array,
  trailers: TrailerReport | null = readImageTrailers(bytes) ?? null,
): Promise<ImageReport> {
  const image = trailers ? bytes.subarray(0, trailers.imageLength) : bytes;
  const inspection = await inspectImage(image);
  const report: ImageReport = {
    file,
    fileSize: bytes.length,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    trailers,
    inspection,
  };
  const initrdName = inspection.archive?.apply?.fields.initrd;
  if (inspection.kind === 'update-pack' && initrdName !== undefined) {
    const member = readUstar(image).find((m) => m.name === initrdName && m.type === 'file');
    if (member) {
      const seen = await inspectInitrd(member.data);
      const summary: InitrdSummary = {
        member: initrdName,
        compression: seen.compression,
        compressedSize: seen.compressedSize,
        components: seen.components.map((c) => c.name),
        modules: seen.modules.reduce((n, m) => n + m.names.length, 0),
      };
      if (seen.version !== undefined) summary.version = seen.version;
      report.initrd = summary;
    }
  }
  return report;
}
