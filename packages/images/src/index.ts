// Public API of @ucvm/images (spec: build.md §7).
export { ImagesError } from './errors.js';
export type { FatGeometry, FatType } from './fat/boot-sector.js';
export { computeGeometry, defaultFatType } from './fat/boot-sector.js';
export type { FatFile, ReadFatResult } from './fat/reader.js';
export { readFat } from './fat/reader.js';
export type { FatLayout, FatOptions } from './fat/writer.js';
export { layoutFat, writeFat, writeFatFile } from './fat/writer.js';
export type { ImageChunk } from './output.js';
export { chunksLength, concatChunks, writeImageFile } from './output.js';
export type { GptLayout, GptOptions, GptPartition, ParsedGpt } from './partition/gpt.js';
export {
  bytesToGuid,
  deriveGuid,
  GPT_TYPE,
  gptUsableRange,
  guidToBytes,
  readGpt,
  writeGpt,
} from './partition/gpt.js';
export type { Geometry, MbrOptions, MbrPartition, ParsedMbr } from './partition/mbr.js';
export { chs, DEFAULT_GEOMETRY, readMbr, SECTOR, writeMbr } from './partition/mbr.js';
export type { ResolvedEntry, TreeEntry } from './tree.js';
export { comparePaths, loadTree, resolveTree, treeDigest, treeFromDirectory } from './tree.js';
export { crc32 } from './util/crc32.js';
export { deriveU32 } from './util/ids.js';
