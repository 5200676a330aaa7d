// Public API of @ucvm/images (spec: build.md §7).
export {
  BOX_DISK_NAMES,
  BOX_OVF_NAME,
  type BoxOptions,
  boxArchive,
  boxBaseMac,
  boxVagrantfile,
  writeBox,
} from './derived/box.js';
export { GCE_DISK_NAME, type GceOptions, gceTarGz } from './derived/gce.js';
export { type OvaOptions, ovaArchive, ovfManifest, writeOva } from './derived/ova.js';
export {
  type OvfDisk,
  type OvfOptions,
  ovfDescriptor,
  VMDK_STREAM_OPTIMIZED,
  xmlEscape,
} from './derived/ovf.js';
export {
  type ApplianceDisk,
  type ApplianceDiskOptions,
  applianceDisks,
  DEFAULT_SCRATCH_BYTES,
} from './derived/ovf-disks.js';
export {
  convertWithQemuImg,
  QEMU_IMG_FORMATS,
  type QemuImgFormat,
  type QemuImgOptions,
} from './derived/qemu-img.js';
export { readVdiIds, setVdiIds, type VdiIds } from './derived/vdi.js';
export {
  readVhdFooter,
  VHD_FOOTER_SIZE,
  type VhdFooter,
  type VhdGeometry,
  type VhdOptions,
  vhdChecksum,
  vhdFooter,
  vhdGeometry,
  writeFixedVhd,
} from './derived/vhd.js';
export { readVmdkDescriptor, setVmdkCid, type VmdkDescriptor } from './derived/vmdk.js';
export { ImagesError } from './errors.js';
export type { FatGeometry, FatType } from './fat/boot-sector.js';
export { computeGeometry, defaultFatType } from './fat/boot-sector.js';
export type { FatFile, ReadFatResult } from './fat/reader.js';
export { readFat } from './fat/reader.js';
export type { FatLayout, FatOptions } from './fat/writer.js';
export { layoutFat, writeFat, writeFatFile } from './fat/writer.js';
export type { HddOptions, HddResult } from './hdd.js';
export { buildHdd, findTool } from './hdd.js';
export * from './inspect/index.js';
export { bootCatalog, patchBootInfoTable } from './iso9660/el-torito.js';
export { isHybridCapable, isohybridMbr } from './iso9660/isohybrid.js';
export type { IsoFile } from './iso9660/reader.js';
export { readIso } from './iso9660/reader.js';
export type { IsoLayout, IsoOptions } from './iso9660/writer.js';
export { layoutIso, writeIso, writeIsoFile } from './iso9660/writer.js';
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
export { isUstar, readUstar, type TarMember } from './tar/reader.js';
export type { TarEntry, TarOptions } from './tar/ustar.js';
export { ustarHeader, writeUstar } from './tar/ustar.js';
export type { ResolvedEntry, TreeEntry } from './tree.js';
export { comparePaths, loadTree, resolveTree, treeDigest, treeFromDirectory } from './tree.js';
export { crc32 } from './util/crc32.js';
export { deriveU32 } from './util/ids.js';
