import { describe, expect, it } from 'vitest';
import {
  componentStrongVersion,
  parseStrongVersion,
  strongVersion,
  upstreamForStrong,
} from './version.js';

describe('strong versions (build.md §1)', () => {
  it('writes the release strong version', () => {
    expect(strongVersion('2026.11', 1, 'x86_64')).toBe('2026.11-1.cernvm.x86_64');
    expect(strongVersion('2026.11', 12, 'x86_64')).toBe('2026.11-12.cernvm.x86_64');
  });

  it('writes component strong versions, dropping only a Debian epoch', () => {
    expect(componentStrongVersion('1:1.35.0-4+deb12u1+b1', 1, 'x86_64')).toBe(
      '1.35.0-4+deb12u1+b1-1.cernvm.x86_64',
    );
    expect(componentStrongVersion('3:6.04~git20190206.bf6db5b4+dfsg1-3', 2, 'x86_64')).toBe(
      '6.04~git20190206.bf6db5b4+dfsg1-3-2.cernvm.x86_64',
    );
    expect(componentStrongVersion('6.1.192-2', 1, 'x86_64')).toBe('6.1.192-2-1.cernvm.x86_64');
    expect(upstreamForStrong('20250419~deb12u2')).toBe('20250419~deb12u2');
  });

  it('parses a strong version back, taking the last release suffix', () => {
    expect(parseStrongVersion('1.35.0-4+deb12u1+b1-1.cernvm.x86_64')).toEqual({
      upstream: '1.35.0-4+deb12u1+b1',
      release: 1,
      arch: 'x86_64',
    });
    expect(parseStrongVersion('2026.11-1')).toBeUndefined();
  });

  it('refuses bad parts with the value named', () => {
    expect(() => strongVersion('2026.11', 0, 'x86_64')).toThrow(
      /release 0 is not a positive integer/,
    );
    expect(() => strongVersion('2026-11', 1, 'x86_64')).toThrow(/"2026-11"/);
    expect(() => componentStrongVersion('1.0 beta', 1, 'x86_64')).toThrow(/"1.0 beta"/);
    expect(() => componentStrongVersion('1.0', 1, 'x86 64')).toThrow(/arch "x86 64"/);
  });
});
