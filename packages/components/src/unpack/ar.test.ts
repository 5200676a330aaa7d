import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readAr } from './ar.js';
import { writeAr } from './test-writers.js';

const work = mkdtempSync(join(tmpdir(), 'ucvm-ar-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('readAr', () => {
  it('reads GNU ar output, including the "//" long-name table and odd sizes', () => {
    const names = ['debian-binary', 'a-very-long-member-name.tar.xz', 'odd'];
    for (const [i, n] of names.entries()) writeFileSync(join(work, n), 'x'.repeat(i * 3 + 1));
    execFileSync('ar', ['rc', join(work, 't.a'), ...names.map((n) => join(work, n))], {
      cwd: work,
      timeout: 30_000,
    });
    const members = readAr(readFileSync(join(work, 't.a')));
    expect(members.map((m) => [m.name, m.size])).toEqual(names.map((n, i) => [n, i * 3 + 1]));
    expect(
      members.every((m, i) => m.data.every((b) => b === 0x78) && m.data.length === i * 3 + 1),
    ).toBe(true);
  });

  it('reads dpkg-style names (space padded, no slash)', () => {
    const members = readAr(
      writeAr([
        { name: 'debian-binary', data: '2.0\n' },
        { name: 'x', data: 'abc' },
      ]),
    );
    expect(members.map((m) => m.name)).toEqual(['debian-binary', 'x']);
    expect(new TextDecoder().decode(members[1]?.data)).toBe('abc');
  });

  it('refuses a non-ar file and a truncated member, naming the archive and member', () => {
    expect(() => readAr(new Uint8Array(20), 'a.deb')).toThrow(/^a\.deb: not an ar archive/);
    const cut = writeAr([{ name: 'data.tar.xz', data: 'y'.repeat(100) }]).subarray(0, 120);
    expect(() => readAr(cut, 'a.deb')).toThrow(
      /a\.deb: member "data\.tar\.xz": member data \(100 bytes\) runs past/,
    );
  });
});
