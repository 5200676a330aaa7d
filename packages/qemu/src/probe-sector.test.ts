import { describe, expect, it } from 'vitest';
import { PROBE_MARKER, probeBootSector } from './probe-sector.js';

describe('probeBootSector', () => {
  it('is one MBR sector whose message sits where `mov si` points', () => {
    const s = probeBootSector();
    expect(s.length).toBe(512);
    expect([s[510], s[511]]).toEqual([0x55, 0xaa]);
    expect(s[4]).toBe(0xbe); // mov si, imm16
    const msg = s[5]! | (s[6]! << 8);
    const offset = msg - 0x7c00;
    const text = new TextDecoder().decode(s.slice(offset, offset + PROBE_MARKER.length));
    expect(text).toBe(PROBE_MARKER);
    expect(s[offset - 1]).toBe(0xfd); // last byte of the code: `jmp $-1` (hlt loop)
  });
});
