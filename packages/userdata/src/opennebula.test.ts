import { describe, expect, it } from 'vitest';
import {
  formatOpenNebulaVars,
  formatOpenNebulaWarnings,
  parseOpenNebulaContext,
} from './opennebula.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const parse = (s: string) => parseOpenNebulaContext(enc(s));

describe('parseOpenNebulaContext (§3.2)', () => {
  it('refuses input over 24 MiB without parsing it (O_TOO_LARGE 0)', () => {
    const big = new Uint8Array(24 * 1024 * 1024 + 1).fill(0x41);
    big.set(enc('A=1\n'));
    const r = parseOpenNebulaContext(big);
    expect(r.vars.size).toBe(0);
    expect(r.userData.length).toBe(0);
    expect(formatOpenNebulaWarnings(r)).toBe('O_TOO_LARGE 0\n');
  });
  it('parses exactly 24 MiB', () => {
    const limit = new Uint8Array(24 * 1024 * 1024).fill(0x23); // one long comment line
    limit.set(enc('A=1\n'));
    const r = parseOpenNebulaContext(limit);
    expect(r.vars.get('A')).toBe('1');
    expect(r.warnings).toEqual([]);
  });
  it('gives one O_EXPANSION per statement, on its first line', () => {
    const r = parse('A=1\nB="$x `y`\n$z"\n');
    expect(r.vars.get('B')).toBe('$x `y`\n$z');
    expect(r.warnings).toEqual([{ code: 'O_EXPANSION', line: 2 }]);
  });
  it('reports O_EXPANSION before the O_SYNTAX of a rejected statement', () => {
    const r = parse('A="$x";id\nB=2\n');
    expect([...r.vars]).toEqual([['B', '2']]);
    expect(formatOpenNebulaWarnings(r)).toBe('O_EXPANSION 1\nO_SYNTAX 1\n');
  });
  it('skips only the rest of the line holding the rejected byte', () => {
    const r = parse("A='x\ny';z\nB=2\n");
    expect([...r.vars]).toEqual([['B', '2']]);
    expect(r.warnings).toEqual([{ code: 'O_SYNTAX', line: 1 }]);
  });
  it('keeps the previous value when a duplicate is rejected; last valid wins', () => {
    const r = parse('A=1\nA=2\nA=3;x\n');
    expect(r.vars.get('A')).toBe('2');
  });
  it('treats a lone CR as data and CRLF as LF', () => {
    const r = parse('A=x\ry\r\nB=2\r\n');
    expect(r.vars.get('A')).toBe('x\ry');
    expect(r.vars.get('B')).toBe('2');
    expect(formatOpenNebulaVars(r)).toBe('B\t2\n'); // CR is a control byte: omitted
  });
  it('accepts a statement ended by end of input and a trailing backslash', () => {
    expect(parse('A=1').vars.get('A')).toBe('1');
    expect(parse('A=1\\').vars.get('A')).toBe('1\\');
  });
  it('decodes USER_DATA only when USERDATA_ENCODING is base64 in any ASCII case', () => {
    const b64 = Buffer.from('hi\n').toString('base64');
    expect(
      Buffer.from(parse(`USER_DATA=${b64}\nUSERDATA_ENCODING=BASE64\n`).userData).toString(),
    ).toBe('hi\n');
    expect(Buffer.from(parse(`USER_DATA=${b64}\n`).userData).toString()).toBe(b64);
    const bad = parse('USER_DATA=abc\nUSERDATA_ENCODING=base64\n');
    expect(bad.userData.length).toBe(0);
    expect(formatOpenNebulaWarnings(bad)).toBe('O_BASE64 0\n');
  });
  it('uses an empty EC2_USER_DATA (empty user data, no warning) over USER_DATA', () => {
    const r = parse("EC2_USER_DATA=''\nUSER_DATA=x\n");
    expect(r.userData.length).toBe(0);
    expect(r.warnings).toEqual([]);
  });
  it('keeps user data bytes exactly (no UTF-8 round trip)', () => {
    const r = parseOpenNebulaContext(
      Uint8Array.from([...enc("USER_DATA='"), 0xff, 0x00, ...enc("'\n")]),
    );
    expect([...r.userData]).toEqual([0xff, 0x00]);
  });
  it('omits values with control bytes and sorts by name bytes', () => {
    const r = parse("b=1\nB=2\nA_=3\nA=4\nC='x\x7fy'\nD='t\tab'\n");
    expect(formatOpenNebulaVars(r)).toBe('A\t4\nA_\t3\nB\t2\nD\tt\tab\nb\t1\n');
  });
});
