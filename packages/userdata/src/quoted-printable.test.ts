import { describe, expect, it } from 'vitest';
import { decodeQuotedPrintable } from './quoted-printable.js';

const qp = (s: string): string =>
  Buffer.from(decodeQuotedPrintable(Buffer.from(s, 'latin1'))).toString('latin1');

describe('decodeQuotedPrintable (§4.3.1)', () => {
  it('decodes =HH in either case and keeps other = literally', () => {
    expect(qp('a=3Db=3db=C3=BC')).toBe('a=b=b\xc3\xbc');
    expect(qp('=G1 =4 x=')).toBe('=G1 =4 x');
    expect(qp('=4')).toBe('=4');
    expect(qp('a==3D')).toBe('a==');
  });
  it('removes trailing WS, then a final = is a soft break', () => {
    expect(qp('ab= \t\ncd\n')).toBe('abcd\n');
    expect(qp('ab=\r\ncd')).toBe('abcd');
    expect(qp('ab   \ncd \t\r\n')).toBe('ab\ncd\r\n');
    expect(qp('x=20\n')).toBe('x \n');
    expect(qp('end=')).toBe('end');
    expect(qp('=\n=\n')).toBe('');
  });
  it('keeps the line terminator and lone CR bytes', () => {
    expect(qp('a\r\nb\nc')).toBe('a\r\nb\nc');
    expect(qp('a\rb \n')).toBe('a\rb\n');
    expect(qp('=3\n=D')).toBe('=3\n=D');
  });
});
