import { describe, expect, it } from 'vitest';
import { readVmdkDescriptor, setVmdkCid } from './vmdk.js';

/** A sparse-extent header (magic, descriptor at sector 1, one sector long) and a descriptor. */
function fakeVmdk(descriptor: string): Uint8Array {
  const bytes = new Uint8Array(1024);
  const v = new DataView(bytes.buffer);
  v.setUint32(0, 0x564d444b, true);
  v.setBigUint64(28, 1n, true);
  v.setBigUint64(36, 1n, true);
  bytes.set(Buffer.from(descriptor, 'latin1'), 512);
  return bytes;
}

const text = (cid: string) =>
  `# Disk DescriptorFile\nversion=1\nCID=${cid}\nparentCID=ffffffff\ncreateType="streamOptimized"\n`;

describe('setVmdkCid', () => {
  it('replaces an unpadded CID (qemu-img prints %x) with 8 derived digits', () => {
    // Regression: a random CID below 0x10000000 has fewer than 8 digits.
    const a = setVmdkCid(fakeVmdk(text('3a7f')), 'seed');
    const b = setVmdkCid(fakeVmdk(text('9e1c04d2')), 'seed');
    const d = readVmdkDescriptor(a).text;
    expect(d).toMatch(/^CID=[0-9a-f]{8}$/m);
    expect(d).toContain('parentCID=ffffffff\ncreateType="streamOptimized"\n');
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
  });

  it('derives different ids from different seeds', () => {
    const a = readVmdkDescriptor(setVmdkCid(fakeVmdk(text('1')), 'one')).text;
    const b = readVmdkDescriptor(setVmdkCid(fakeVmdk(text('1')), 'two')).text;
    expect(a).not.toBe(b);
  });

  it('refuses a descriptor without a CID line', () => {
    expect(() => setVmdkCid(fakeVmdk('version=1\n'), 'seed')).toThrow(/CID/);
  });
});
