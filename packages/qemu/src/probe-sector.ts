/** Printed by the probe boot sector on COM1. */
export const PROBE_MARKER = 'UCVM_ACCEL_PROBE_OK';

/** QEMU's isa-debug-exit device: a guest `out 0xf4, al` ends QEMU with status (al << 1) | 1. */
export const DEBUG_EXIT_DEVICE = 'isa-debug-exit,iobase=0xf4,iosize=0x04';

/**
 * A 512-byte MBR boot sector (real mode, loaded at 0000:7C00 by SeaBIOS) that writes
 * PROBE_MARKER to the COM1 data port and then leaves QEMU through isa-debug-exit.
 * Hand-assembled; offsets in the comments.
 */
export function probeBootSector(): Uint8Array {
  const msgOffset = 0x19;
  const msgAddress = 0x7c00 + msgOffset;
  // biome-ignore format: one instruction per line, with its offset
  const code = [
    0x31, 0xc0, //                        00: xor ax, ax
    0x8e, 0xd8, //                        02: mov ds, ax
    0xbe, msgAddress & 0xff, msgAddress >> 8, // 04: mov si, msg
    0xba, 0xf8, 0x03, //                  07: mov dx, 0x3f8 (COM1)
    0xac, //                              0a: lodsb
    0x84, 0xc0, //                        0b: test al, al
    0x74, 0x03, //                        0d: jz 0x12
    0xee, //                              0f: out dx, al
    0xeb, 0xf8, //                        10: jmp 0x0a
    0xb0, 0x00, //                        12: mov al, 0
    0xe6, 0xf4, //                        14: out 0xf4, al (isa-debug-exit)
    0xf4, //                              16: hlt
    0xeb, 0xfd, //                        17: jmp 0x16
  ];
  const sector = new Uint8Array(512);
  sector.set(code, 0);
  sector.set(new TextEncoder().encode(`${PROBE_MARKER}\r\n\0`), msgOffset);
  sector[510] = 0x55; // MBR signature (offset 510)
  sector[511] = 0xaa;
  return sector;
}
