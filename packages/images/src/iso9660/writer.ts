import { ImagesError } from '../errors.js';
import { concatChunks, type ImageChunk, writeImageFile } from '../output.js';
import { type ResolvedEntry, resolveTree, type TreeEntry, treeDigest } from '../tree.js';
import { deriveU32 } from '../util/ids.js';
import { checkEpoch } from '../util/time.js';
import { BLOCK, blocks } from './both-endian.js';
import { compareIsoIds, directoryRecord, isoNames, recordLength } from './directory-record.js';
import {
  type BootEntry,
  bootCatalog,
  PLATFORM_EFI,
  PLATFORM_X86,
  patchBootInfoTable,
} from './el-torito.js';
import { HYBRID_ALIGN, isHybridCapable, isohybridMbr } from './isohybrid.js';
import { pathTable, pathTableSize } from './path-table.js';
import { CE_LENGTH, ce, er, nm, px, sl, sp, tf } from './rock-ridge.js';
import {
  bootRecord,
  checkVolumeId,
  primaryVolumeDescriptor,
  terminator,
} from './volume-descriptor.js';

export interface IsoOptions {
  /** SOURCE_DATE_EPOCH: volume dates, record dates and Rock Ridge times. */
  sourceDateEpoch: number;
  /** Volume id, A-Z 0-9 _ (default "UCERNVM"). */
  volumeId?: string;
  systemId?: string;
  applicationId?: string;
  publisher?: string;
  /** BIOS El Torito no-emulation entry (isolinux). */
  bios?: {
    /** Path of the boot file in the tree, e.g. "isolinux/isolinux.bin". */
    bootFile: string;
    /** Where the boot catalog appears in the tree (default "isolinux/boot.cat"). */
    catalog?: string;
    /** 512-byte sectors the BIOS loads (default 4, as isolinux wants). */
    loadSectors?: number;
    /** Patch the boot-info-table into the image's copy of the boot file (default true). */
    bootInfoTable?: boolean;
  };
  /** UEFI El Torito entry: a FAT image in the tree holding EFI/BOOT/BOOTX64.EFI. */
  efi?: { image: string };
  /** isohybrid MBR so the ISO also boots as a disk; `mbrCode` is isohdpfx.bin. */
  isohybrid?: { mbrCode: Uint8Array; diskSignature?: number };
  /** Seed for the isohybrid disk signature (default: the tree digest). */
  seed?: string;
}

export interface IsoLayout {
  chunks: ImageChunk[];
  totalBlocks: number;
  /** LBA and size of every file, by tree path (tests and inspect). */
  extents: Map<string, { lba: number; size: number }>;
  catalogLba?: number;
  diskSignature?: number;
}

interface Dir {
  path: string;
  entry?: ResolvedEntry;
  parent?: Dir;
  children: ResolvedEntry[];
  subdirs: number;
  number: number;
  lba: number;
  size: number;
  records: Rec[];
  isoId: Buffer;
}

interface Rec {
  id: Buffer;
  kind: 'self' | 'parent' | 'child';
  entry?: ResolvedEntry;
  inline: Buffer[];
  cont: Buffer[];
  length: number;
  ceBlock?: number;
  ceOffset?: number;
  ceLength?: number;
}

const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;

/**
 * Lays out an ISO 9660 image with Rock Ridge (and optionally El Torito BIOS + UEFI entries
 * and an isohybrid MBR) from a tree. Pure: returns the chunks in write order.
 * Block map: 0-15 system area, 16 PVD, [17 El Torito record], terminator, path tables L and
 * M, directories (path-table order), Rock Ridge continuation blocks, file data (tree order).
 */
export function layoutIso(tree: readonly TreeEntry[], opts: IsoOptions): IsoLayout {
  const epoch = checkEpoch(opts.sourceDateEpoch);
  const volumeId = checkVolumeId(opts.volumeId ?? 'UCERNVM');
  const input = [...tree];
  const catalogPath = opts.bios
    ? (opts.bios.catalog ?? 'isolinux/boot.cat').replace(/^\/+/, '')
    : undefined;
  const catalog = Buffer.alloc(BLOCK);
  if (catalogPath) {
    if (input.some((e) => e.path.replace(/^\/+/, '') === catalogPath)) {
      throw new ImagesError(
        'ISO_CATALOG_EXISTS',
        `the tree already has ${catalogPath}, where the boot catalog goes`,
        'remove it from the tree or choose bios.catalog',
      );
    }
    input.push({ path: catalogPath, type: 'file', data: catalog, mode: 0o644 });
  }
  const entries = resolveTree(input);
  const byPath = new Map(entries.map((e) => [e.path, e]));
  const need = (p: string, what: string) => {
    const e = byPath.get(p.replace(/^\/+/, ''));
    if (e?.type !== 'file' || e.data.length === 0) {
      throw new ImagesError(
        'ISO_BOOT_FILE_MISSING',
        `${what} ${JSON.stringify(p)} is not a non-empty file in the tree`,
        'add it to the tree or fix the path',
      );
    }
    return e;
  };
  const biosFile = opts.bios ? need(opts.bios.bootFile, 'BIOS boot file') : undefined;
  const efiImage = opts.efi ? need(opts.efi.image, 'EFI boot image') : undefined;
  if (opts.isohybrid && !biosFile) {
    throw new ImagesError(
      'ISO_HYBRID_NEEDS_BIOS',
      'isohybrid needs the BIOS (isolinux) boot entry',
      'set bios.bootFile',
    );
  }
  if (opts.isohybrid && biosFile && !isHybridCapable(biosFile.data)) {
    throw new ImagesError(
      'ISO_NOT_HYBRID_CAPABLE',
      `${biosFile.path} lacks the isohybrid signature 0x7078c0fb at byte 0x40`,
      'use isolinux.bin from the isolinux package (syslinux >= 4)',
    );
  }
  for (const e of entries) {
    if (e.data.length > 0xffffffff) {
      throw new ImagesError(
        'ISO_FILE_TOO_LARGE',
        `${e.path} is ${e.data.length} bytes; one ISO extent holds < 4 GiB`,
      );
    }
  }

  // Directory tree.
  const root: Dir = {
    path: '',
    children: [],
    subdirs: 0,
    number: 1,
    lba: 0,
    size: 0,
    records: [],
    isoId: Buffer.from([0]),
  };
  const dirs = new Map<string, Dir>([['', root]]);
  for (const e of entries) {
    const parent = dirs.get(e.parts.slice(0, -1).join('/'))!;
    parent.children.push(e);
    if (e.type === 'dir') {
      parent.subdirs++;
      dirs.set(e.path, {
        path: e.path,
        entry: e,
        parent,
        children: [],
        subdirs: 0,
        number: 0,
        lba: 0,
        size: 0,
        records: [],
        isoId: Buffer.alloc(0),
      });
    }
  }
  const links = (d: Dir) => 2 + d.subdirs;
  const modeOf = (e: ResolvedEntry) =>
    (e.type === 'dir' ? S_IFDIR : e.type === 'symlink' ? S_IFLNK : S_IFREG) | e.mode;
  const dirMode = (d: Dir) => S_IFDIR | (d.entry?.mode ?? 0o755);

  // Records with their Rock Ridge entries; what does not fit in 255 bytes goes to a CE area.
  const makeRec = (
    id: Buffer,
    kind: Rec['kind'],
    inline: Buffer[],
    cont: Buffer[],
    entry?: ResolvedEntry,
  ): Rec => {
    let su = inline.reduce((n, b) => n + b.length, 0) + cont.reduce((n, b) => n + b.length, 0);
    if (recordLength(id.length, su) > 255 || (kind === 'self' && cont.length > 0)) {
      su = inline.reduce((n, b) => n + b.length, 0) + CE_LENGTH;
      return { id, kind, entry, inline, cont, length: recordLength(id.length, su) };
    }
    return {
      id,
      kind,
      entry,
      inline: [...inline, ...cont],
      cont: [],
      length: recordLength(id.length, su),
    };
  };
  for (const d of dirs.values()) {
    const self =
      d === root
        ? [sp(), px(dirMode(d), links(d)), tf(epoch)]
        : [px(dirMode(d), links(d)), tf(epoch)];
    d.records.push(makeRec(Buffer.from([0]), 'self', self, d === root ? [er()] : []));
    const p = d.parent ?? d;
    d.records.push(makeRec(Buffer.from([1]), 'parent', [px(dirMode(p), links(p)), tf(epoch)], []));
    const ids = isoNames(d.children.map((c) => ({ name: c.name, directory: c.type === 'dir' })));
    const kids = d.children
      .map((c, i) => ({ c, id: ids[i]! }))
      .sort((a, b) => compareIsoIds(a.id, b.id));
    for (const { c, id } of kids) {
      const idBuf = Buffer.from(id, 'latin1');
      if (c.type === 'dir') dirs.get(c.path)!.isoId = idBuf;
      const cdir = c.type === 'dir' ? dirs.get(c.path)! : undefined;
      const inline = [px(modeOf(c), cdir ? links(cdir) : 1), tf(epoch)];
      const cont = [...nm(c.name), ...(c.type === 'symlink' ? sl(c.target) : [])];
      d.records.push(makeRec(idBuf, 'child', inline, cont, c));
    }
  }

  // Path-table order: by level, then parent number, then identifier (§6.9.1) = BFS here.
  const ordered: Dir[] = [root];
  for (let i = 0; i < ordered.length; i++) {
    const d = ordered[i]!;
    d.number = i + 1;
    for (const r of d.records)
      if (r.kind === 'child' && r.entry!.type === 'dir') ordered.push(dirs.get(r.entry!.path)!);
  }
  if (ordered.length > 0xffff) {
    throw new ImagesError(
      'ISO_TOO_MANY_DIRS',
      `${ordered.length} directories exceed the path table's 65535`,
    );
  }
  // Directory sizes: records never straddle a block (§6.8.1.1).
  for (const d of ordered) {
    let at = 0;
    for (const r of d.records) {
      if ((at % BLOCK) + r.length > BLOCK) at = Math.ceil(at / BLOCK) * BLOCK;
      at += r.length;
    }
    d.size = Math.ceil(at / BLOCK) * BLOCK;
  }
  // Continuation areas, packed, none crossing a block.
  let ceAt = 0;
  for (const d of ordered) {
    for (const r of d.records) {
      if (!r.cont.length) continue;
      const len = r.cont.reduce((n, b) => n + b.length, 0);
      if (len > BLOCK) {
        throw new ImagesError(
          'ISO_ENTRY_TOO_LONG',
          `Rock Ridge data of ${JSON.stringify(r.entry?.path ?? '/')} is ${len} bytes`,
          'shorten the symlink target',
        );
      }
      if ((ceAt % BLOCK) + len > BLOCK) ceAt = Math.ceil(ceAt / BLOCK) * BLOCK;
      r.ceBlock = Math.floor(ceAt / BLOCK);
      r.ceOffset = ceAt % BLOCK;
      r.ceLength = len;
      ceAt += len;
    }
  }
  const ceBlocks = blocks(ceAt);

  // Block allocation.
  const boot = Boolean(biosFile || efiImage);
  let next = 16;
  const pvdLba = next++;
  if (boot) next++;
  next++; // terminator
  const ptDirs = () =>
    ordered.map((d) => ({ id: d.isoId, lba: d.lba, parentNumber: d.parent ? d.parent.number : 1 }));
  const ptSize = pathTableSize(ptDirs());
  const ptL = next;
  next += blocks(ptSize);
  const ptM = next;
  next += blocks(ptSize);
  for (const d of ordered) {
    d.lba = next;
    next += d.size / BLOCK;
  }
  const ceLba = next;
  next += ceBlocks;
  const extents = new Map<string, { lba: number; size: number }>();
  const fileOrder: ResolvedEntry[] = [];
  for (const e of entries) {
    if (e.type !== 'file') continue;
    extents.set(e.path, { lba: e.data.length ? next : 0, size: e.data.length });
    if (e.data.length) {
      fileOrder.push(e);
      next += blocks(e.data.length);
    }
  }
  let totalBytes = next * BLOCK;
  if (opts.isohybrid) totalBytes = Math.ceil(totalBytes / HYBRID_ALIGN) * HYBRID_ALIGN;
  const totalBlocks = totalBytes / BLOCK;

  // Boot catalog and boot-info-table, now that LBAs are known.
  const data = new Map<string, Uint8Array>();
  let catalogLba: number | undefined;
  if (boot) {
    const bootEntries: BootEntry[] = [];
    if (biosFile) {
      const lba = extents.get(biosFile.path)!.lba;
      bootEntries.push({ platform: PLATFORM_X86, lba, sectors: opts.bios?.loadSectors ?? 4 });
      if (opts.bios?.bootInfoTable !== false)
        data.set(biosFile.path, patchBootInfoTable(biosFile.data, pvdLba, lba));
    }
    if (efiImage) {
      bootEntries.push({
        platform: PLATFORM_EFI,
        lba: extents.get(efiImage.path)!.lba,
        sectors: Math.ceil(efiImage.data.length / 512),
      });
    }
    bootCatalog(bootEntries).copy(catalog);
    catalogLba = catalogPath ? extents.get(catalogPath)!.lba : undefined;
  }

  // Serialisation.
  const extentOf = (r: Rec, d: Dir): { lba: number; size: number; directory: boolean } => {
    if (r.kind === 'self') return { lba: d.lba, size: d.size, directory: true };
    if (r.kind === 'parent') {
      const p = d.parent ?? d;
      return { lba: p.lba, size: p.size, directory: true };
    }
    const e = r.entry!;
    if (e.type === 'dir') {
      const c = dirs.get(e.path)!;
      return { lba: c.lba, size: c.size, directory: true };
    }
    if (e.type === 'symlink') return { lba: 0, size: 0, directory: false };
    return { ...extents.get(e.path)!, directory: false };
  };
  const record = (r: Rec, d: Dir) => {
    const su = r.cont.length
      ? [...r.inline, ce(ceLba + r.ceBlock!, r.ceOffset!, r.ceLength!)]
      : r.inline;
    return directoryRecord({ id: r.id, ...extentOf(r, d), epoch, systemUse: Buffer.concat(su) });
  };
  const chunks: ImageChunk[] = [];
  let diskSignature: number | undefined;
  if (opts.isohybrid) {
    diskSignature =
      (opts.isohybrid.diskSignature ??
        deriveU32(opts.seed ?? treeDigest(entries), 'isohybrid-disk-signature')) >>> 0;
    const efiExt = efiImage ? extents.get(efiImage.path)! : undefined;
    const mbr = isohybridMbr({
      code: opts.isohybrid.mbrCode,
      bootFileLba: extents.get(biosFile!.path)!.lba,
      imageBytes: totalBytes,
      diskSignature,
      ...(efiExt ? { efi: { lba: efiExt.lba, bytes: efiExt.size } } : {}),
    });
    chunks.push(mbr, 16 * BLOCK - mbr.length);
  } else {
    chunks.push(16 * BLOCK);
  }
  const rootRecord = directoryRecord({
    id: Buffer.from([0]),
    lba: root.lba,
    size: root.size,
    directory: true,
    epoch,
    systemUse: Buffer.alloc(0),
  });
  chunks.push(
    primaryVolumeDescriptor({
      volumeId,
      systemId: opts.systemId ?? 'LINUX',
      applicationId: opts.applicationId ?? 'UCVM',
      publisher: opts.publisher ?? '',
      totalBlocks,
      pathTableSize: ptSize,
      pathTableL: ptL,
      pathTableM: ptM,
      rootRecord,
      epoch,
    }),
  );
  if (boot) chunks.push(bootRecord(catalogLba ?? 0));
  chunks.push(terminator());
  const padTo = (b: Buffer) =>
    Buffer.concat([b, Buffer.alloc(blocks(b.length) * BLOCK - b.length)]);
  chunks.push(padTo(pathTable(ptDirs(), false)), padTo(pathTable(ptDirs(), true)));
  for (const d of ordered) {
    const ext = Buffer.alloc(d.size);
    let at = 0;
    for (const r of d.records) {
      if ((at % BLOCK) + r.length > BLOCK) at = Math.ceil(at / BLOCK) * BLOCK;
      record(r, d).copy(ext, at);
      at += r.length;
    }
    chunks.push(ext);
  }
  if (ceBlocks) {
    const area = Buffer.alloc(ceBlocks * BLOCK);
    for (const d of ordered) {
      for (const r of d.records)
        if (r.cont.length) Buffer.concat(r.cont).copy(area, r.ceBlock! * BLOCK + r.ceOffset!);
    }
    chunks.push(area);
  }
  for (const e of fileOrder) {
    const bytes = data.get(e.path) ?? e.data;
    chunks.push(bytes);
    const pad = blocks(bytes.length) * BLOCK - bytes.length;
    if (pad) chunks.push(pad);
  }
  if (totalBytes > next * BLOCK) chunks.push(totalBytes - next * BLOCK);
  return {
    chunks,
    totalBlocks,
    extents,
    ...(catalogLba !== undefined ? { catalogLba } : {}),
    ...(diskSignature !== undefined ? { diskSignature } : {}),
  };
}

export function writeIso(tree: readonly TreeEntry[], opts: IsoOptions): Uint8Array {
  return concatChunks(layoutIso(tree, opts).chunks);
}

/** Writes the ISO atomically to `path`. */
export async function writeIsoFile(
  path: string,
  tree: readonly TreeEntry[],
  opts: IsoOptions,
): Promise<IsoLayout> {
  const l = layoutIso(tree, opts);
  await writeImageFile(path, l.chunks);
  return l;
}
