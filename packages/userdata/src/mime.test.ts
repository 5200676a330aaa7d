import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decodeTextUnits, parseContentType, parseHeaderBlock } from './mime.js';
import type { WarningCode } from './warnings.js';

const b = (s: string) => Buffer.from(s, 'latin1');

function units(s: string | Uint8Array) {
  const warnings: string[] = [];
  const result = decodeTextUnits(
    typeof s === 'string' ? b(s) : s,
    (code: WarningCode, part, line) => warnings.push(`${code}@${part}:${line}`),
  );
  return {
    units: result.map((u) => `${u.part}:${Buffer.from(u.bytes).toString('latin1')}`),
    warnings,
  };
}

describe('parseHeaderBlock (§4.3 item 1)', () => {
  it('unfolds continuation lines and keeps the first occurrence', () => {
    const block = parseHeaderBlock(
      b('Content-Type: multipart/mixed;\r\n\tboundary=x\r\ncontent-type: text/plain\r\n\r\nbody'),
      0,
    );
    expect(block?.headers.get('content-type')).toBe(' multipart/mixed;\tboundary=x');
    expect(block?.bodyStart).toBe(73);
  });
  it('ends at end of input without an empty line', () => {
    expect(parseHeaderBlock(b('A: 1\nB: 2'), 0)?.bodyStart).toBe(9);
  });
  it('is absent for non-header first lines and for stray lines', () => {
    expect(parseHeaderBlock(b('[ucernvm-begin]\n'), 0)).toBeNull();
    expect(parseHeaderBlock(b(': x\n'), 0)).toBeNull();
    expect(parseHeaderBlock(b('A b: x\n'), 0)).toBeNull();
    expect(parseHeaderBlock(b('A: x\nnot a header\n\n'), 0)).toBeNull();
    expect(parseHeaderBlock(b('\nA: x\n'), 0)).toBeNull();
    expect(parseHeaderBlock(b(''), 0)).toBeNull();
  });
});

describe('parseContentType (§4.3 item 3)', () => {
  it('reads tokens and quoted strings with backslash escapes', () => {
    const ct = parseContentType(
      ' Multipart/Mixed ; charset=utf-8; BOUNDARY="a\\"b;c" ; boundary=second',
    );
    expect(ct.type).toBe('multipart/mixed');
    expect(ct.params.get('boundary')).toBe('a"b;c');
    expect(ct.params.get('charset')).toBe('utf-8');
  });
  it('ignores parameters without =', () => {
    expect(parseContentType('multipart/x; flag; boundary= z ').params.get('boundary')).toBe('z');
  });
});

describe('decodeTextUnits (§4.3)', () => {
  it('is one unit without a multipart header', () => {
    expect(units('Subject: x\n\n[ucernvm-begin]\n')).toEqual({
      units: ['0:Subject: x\n\n[ucernvm-begin]\n'],
      warnings: [],
    });
    expect(units('Content-Type: multipart/mixed\n\n--\n')).toEqual({
      units: ['0:Content-Type: multipart/mixed\n\n--\n'],
      warnings: [],
    });
  });
  it('splits parts, drops preamble and epilogue, trailing WS on delimiters allowed', () => {
    const r = units(
      '\xEF\xBB\xBFContent-Type: multipart/mixed; boundary=B\n\npre\n--B \t\n\none\n--B\r\nX-A: 1\r\n\r\ntwo\r\n\r\n--B--\nepi\n--B\nthree\n',
    );
    expect(r).toEqual({ units: ['1:one', '2:two\r\n'], warnings: [] });
  });
  it('gives empty parts for adjacent delimiters and lenient bodies without headers', () => {
    expect(
      units('Content-Type: multipart/mixed; boundary=B\n\n--B\n--B\nplain: text? no\nbody\n--B--')
        .units,
    ).toEqual(['1:', '2:plain: text? no\nbody']);
  });
  it('warns for no delimiter and for a missing closing delimiter', () => {
    expect(units('Content-Type: multipart/mixed; boundary=B\n\n-- B\n')).toEqual({
      units: ['0:Content-Type: multipart/mixed; boundary=B\n\n-- B\n'],
      warnings: ['W_MIME@0:0'],
    });
    expect(units('Content-Type: multipart/mixed; boundary=B\n\n--B\n\na\n--B\n\nb\n')).toEqual({
      units: ['1:a', '2:b\n'],
      warnings: ['W_MIME_UNTERMINATED@0:0'],
    });
  });
  it('decodes base64, quoted-printable and gzip leaves, skipping bad ones', () => {
    const gz = gzipSync(b('zipped')).toString('base64');
    const r = units(
      `Content-Type: multipart/mixed; boundary=B\n\n--B\nContent-Transfer-Encoding: BASE64 \n\naGVs\nbG8=\n--B\nContent-Transfer-Encoding: base64\n\n${gz}\n--B\nContent-Transfer-Encoding: base64\n\naGk\n--B\nContent-Transfer-Encoding: x-uuencode\n\nx\n--B\nContent-Transfer-Encoding: quoted-printable\n\na=3Db=\nc\n--B\n\n\x1f\x8bbroken\n--B--\n`,
    );
    expect(r).toEqual({
      units: ['1:hello', '2:zipped', '5:a=bc'],
      warnings: ['W_MIME_DECODE@3:0', 'W_MIME_DECODE@4:0', 'W_GZIP@6:0'],
    });
  });
  it('recurses up to three levels and numbers leaves depth-first', () => {
    const level3 =
      'Content-Type: multipart/mixed; boundary=C3\n\n--C3\n\nL3\n--C3\nContent-Type: multipart/alternative; boundary=C4\n\n--C4\n\ntoo deep\n--C4--\n--C3--';
    const level2 = `Content-Type: multipart/mixed; boundary=C2\n\n--C2\n\nL2\n--C2\n${level3}\n--C2--`;
    const r = units(
      `Content-Type: multipart/mixed; boundary=C1\n\n--C1\n\nL1\n--C1\n${level2}\n--C1\n\nlast\n--C1--\n`,
    );
    expect(r).toEqual({
      units: ['1:L1', '2:L2', '3:L3', '4:last'],
      warnings: ['W_MIME_LIMIT@0:0'],
    });
  });
  it('a nested multipart without delimiters yields nothing', () => {
    const r = units(
      'Content-Type: multipart/mixed; boundary=A\n\n--A\nContent-Type: multipart/mixed; boundary=Z\n\nno delimiter\n--A\n\nafter\n--A--\n',
    );
    expect(r).toEqual({ units: ['1:after'], warnings: ['W_MIME@0:0'] });
  });
  it('stops at leaf 65', () => {
    const parts = Array.from({ length: 70 }, (_, i) => `--B\n\n${i + 1}\n`).join('');
    const r = units(`Content-Type: multipart/mixed; boundary=B\n\n${parts}--B--\n`);
    expect(r.units.length).toBe(64);
    expect(r.units[63]).toBe('64:64');
    expect(r.warnings).toEqual(['W_MIME_LIMIT@0:0']);
  });
  it('stops when the scanned leaves would exceed 64 MiB in total', () => {
    const big = gzipSync(Buffer.alloc(15 * 1024 * 1024, 0x23)).toString('base64');
    const leaf = `--B\nContent-Transfer-Encoding: base64\n\n${big}\n`;
    const r = units(
      `Content-Type: multipart/mixed; boundary=B\n\n${leaf.repeat(5)}--B\n\nsmall\n--B--\n`,
    );
    expect(r.units.map((u) => u.slice(0, 2))).toEqual(['1:', '2:', '3:', '4:']);
    expect(r.warnings).toEqual(['W_MIME_LIMIT@0:0']);
  });
});
