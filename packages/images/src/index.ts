// Public API of @ucvm/images (spec: build.md §7).
export { ImagesError } from './errors.js';
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
export { crc32 } from './util/crc32.js';
export { deriveU32 } from './util/ids.js';
