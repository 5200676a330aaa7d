import { describe, expect, it } from 'vitest';
import { formatReadWarnings, readUcontext } from './reader.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('readUcontext (§11.2)', () => {
  it('reads what §11.1 writes, including embedded quotes and TABs', () => {
    const r = readUcontext([
      enc("# ucvm-context 1\n_UCONTEXT_A='x'\\''y'\\'''\n_UCONTEXT_B='a\tb'\n"),
    ]);
    expect([...r.keys]).toEqual([
      ['a', "x'y'"],
      ['b', 'a\tb'],
    ]);
    expect(r.warnings).toEqual([]);
  });
  it('counts files and lines from 1 and reads a last line without LF', () => {
    const r = readUcontext([enc('_UCONTEXT_A=1\n'), enc('\nbad\n_UCONTEXT_RESIZE_ROOTFS=maybe')]);
    expect(formatReadWarnings(r)).toBe('R_BAD_LINE 2 2\nR_INVALID_VALUE 2 3\n');
  });
  it('keeps an earlier value when a later line for the key is invalid', () => {
    const r = readUcontext([
      enc("_UCONTEXT_CVMFS_TAG='t1'\n"),
      enc("_UCONTEXT_CVMFS_TAG='bad tag'\n"),
    ]);
    expect(r.keys.get('cvmfs_tag')).toBe('t1');
  });
  it('applies the cernvm_inject length limit, not 4096', () => {
    const b64 = 'A'.repeat(8192);
    const r = readUcontext([enc(`_UCONTEXT_CERNVM_INJECT='${b64}'\n`)]);
    expect(r.keys.get('cernvm_inject')).toBe(b64);
  });
  it('refuses control bytes in legacy values and a NAME over 64 bytes', () => {
    const r = readUcontext([
      enc(`_UCONTEXT_A=x\ry\n_UCONTEXT_${'A'.repeat(65)}=1\n_UCONTEXT_${'A'.repeat(64)}=1\n`),
    ]);
    expect(formatReadWarnings(r)).toBe('R_INVALID_VALUE 1 1\nR_BAD_LINE 1 2\n');
    expect(r.keys.get('a'.repeat(64))).toBe('1');
  });
  it('returns nothing for no files', () => {
    expect(readUcontext([])).toEqual({ keys: new Map(), warnings: [] });
  });
});
