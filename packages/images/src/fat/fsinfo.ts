// FAT32 FSInfo sector (FAT32 spec §5), at the sector named by BPB FSInfo (1) and its backup (7):
//   0 LeadSig 0x41615252  4 Reserved1(480)  484 StrucSig 0x61417272  488 Free_Count
//   492 Nxt_Free  496 Reserved2(12)  508 TrailSig 0xAA550000

export function writeFsInfo(freeCount: number, nextFree: number): Buffer {
  const b = Buffer.alloc(512);
  b.writeUInt32LE(0x41615252, 0);
  b.writeUInt32LE(0x61417272, 484);
  b.writeUInt32LE(freeCount >>> 0, 488);
  b.writeUInt32LE(nextFree >>> 0, 492);
  b.writeUInt32LE(0xaa550000, 508);
  return b;
}

export function readFsInfo(b: Uint8Array): { freeCount: number; nextFree: number } | undefined {
  const v = Buffer.from(b.buffer, b.byteOffset, 512);
  if (v.readUInt32LE(0) !== 0x41615252 || v.readUInt32LE(484) !== 0x61417272) return undefined;
  return { freeCount: v.readUInt32LE(488), nextFree: v.readUInt32LE(492) };
}
