import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkEntryLine, checkEntryString, isValidUtf8, splitLines } from './text.js';

const b = (s: string): Uint8Array => Buffer.from(s, 'latin1');
const strs = (lines: Uint8Array[]): string[] => lines.map((l) => Buffer.from(l).toString('latin1'));

describe('splitLines (§4.4)', () => {
  it('removes one BOM, accepts CRLF and lone CR, keeps a last line without LF', () => {
    expect(strs(splitLines(b('\xEF\xBB\xBFa\r\nb\rc\nd')))).toEqual(['a', 'b', 'c', 'd']);
    expect(strs(splitLines(b('\xEF\xBB\xBF\xEF\xBB\xBFa')))).toEqual(['\xEF\xBB\xBFa']);
    expect(strs(splitLines(b('a\n')))).toEqual(['a']);
    expect(strs(splitLines(b('\n')))).toEqual(['']);
    expect(strs(splitLines(b('a\r\r\nb')))).toEqual(['a', '', 'b']);
    expect(strs(splitLines(b('a\n\r')))).toEqual(['a', '']);
    expect(splitLines(b(''))).toEqual([]);
  });
});

describe('checkEntryLine (§5.2 checks 1–2)', () => {
  it('flags control bytes before UTF-8 errors and allows TAB', () => {
    expect(checkEntryLine(b('a=b\tc'))).toBeNull();
    expect(checkEntryLine(b('a=\x00'))).toBe('W_CONTROL_CHAR');
    expect(checkEntryLine(b('a=\x7f'))).toBe('W_CONTROL_CHAR');
    expect(checkEntryLine(b('\xff\x1b'))).toBe('W_CONTROL_CHAR');
    expect(checkEntryLine(b('a=\xff'))).toBe('W_BAD_UTF8');
    expect(checkEntryLine(Buffer.from('grüße 😀', 'utf8'))).toBeNull();
  });
  it('rejects overlong forms, surrogates, values above U+10FFFF and truncation', () => {
    for (const bad of [
      '\xc0\xaf',
      '\xc1\xbf',
      '\xe0\x80\xaf',
      '\xed\xa0\x80',
      '\xf0\x80\x80\xaf',
      '\xf4\x90\x80\x80',
      '\xf5\x80\x80\x80',
      '\xe2\x82',
      '\x80',
      '\xc3',
    ]) {
      expect(checkEntryLine(b(bad)), JSON.stringify(bad)).toBe('W_BAD_UTF8');
    }
    for (const good of [
      '\xc2\x80',
      '\xed\x9f\xbf',
      '\xee\x80\x80',
      '\xf4\x8f\xbf\xbf',
      '\xf0\x90\x80\x80',
    ]) {
      expect(checkEntryLine(b(good)), JSON.stringify(good)).toBeNull();
    }
  });
  it('agrees with a fatal TextDecoder on arbitrary bytes', () => {
    const fatal = new TextDecoder('utf-8', { fatal: true });
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 12 }), (bytes) => {
        let ok = true;
        try {
          fatal.decode(bytes);
        } catch {
          ok = false;
        }
        expect(isValidUtf8(bytes)).toBe(ok);
      }),
      { numRuns: 2000 },
    );
  });
  it('checks strings the same way (lone surrogates are not UTF-8)', () => {
    expect(checkEntryString('ok\tvalue')).toBeNull();
    expect(checkEntryString('a\nb')).toBe('W_CONTROL_CHAR');
    expect(checkEntryString('a\ud800')).toBe('W_BAD_UTF8');
    expect(checkEntryString('😀')).toBeNull();
  });
});
