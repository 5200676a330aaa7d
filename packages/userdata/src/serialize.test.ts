import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { parseUserData } from './parse.js';
import { formatWarnings, serializeUcontext, toCanonicalJson } from './serialize.js';

describe('serializeUcontext (§11.1)', () => {
  it('sorts by key bytes, upper-cases names and quotes with single quotes', () => {
    const map = new Map([
      ['z', "it's"],
      ['cvmfs_tag', 'x'],
      ['cvm_a', ''],
    ]);
    expect(serializeUcontext(map)).toBe(
      "# ucvm-context 1\n_UCONTEXT_CVM_A=''\n_UCONTEXT_CVMFS_TAG='x'\n_UCONTEXT_Z='it'\\''s'\n",
    );
    expect(serializeUcontext(new Map())).toBe('# ucvm-context 1\n');
  });

  const dir = mkdtempSync(join(tmpdir(), 'ucvm-ucontext-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps any value byte-exact when /bin/sh sources the file, and runs nothing', () => {
    const value = fc
      .string({
        unit: fc.oneof(
          fc.constantFrom(
            "'",
            '"',
            '$',
            '`',
            '\\',
            ';',
            '|',
            '&',
            '(',
            ')',
            '*',
            '?',
            '~',
            '!',
            '#',
            ' ',
            '\t',
            '%',
            '{',
            '}',
          ),
          fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }),
        ),
        maxLength: 30,
      })
      .filter((v) => !/[\x00-\x08\x0a-\x1f\x7f]/.test(v));
    const file = join(dir, 'ucontext');
    fc.assert(
      fc.property(value, (v) => {
        writeFileSync(
          file,
          serializeUcontext(
            new Map([
              ['x', v],
              ['y', '$(touch pwned)'],
            ]),
          ),
        );
        const sh = spawnSync('/bin/sh', ['-c', '. "$1"; printf %s "$_UCONTEXT_X"', 'sh', file], {
          cwd: dir,
          timeout: 5000,
        });
        expect(sh.status).toBe(0);
        expect(sh.stdout.toString('utf8')).toBe(v);
      }),
      { numRuns: 200 },
    );
    expect(spawnSync('ls', [dir]).stdout.toString()).toBe('ucontext\n');
  });
});

describe('toCanonicalJson (§11.3) and formatWarnings (§11.4)', () => {
  it('escapes like JSON.stringify: short escapes, \\u00xx lower-case, raw / and non-ASCII', () => {
    const result = parseUserData({});
    result.user.keys.set('a', '"\\/\b\f\n\r\t\x01\x1f\x7fü😀');
    expect(toCanonicalJson(result)).toContain(
      '"keys":{"a":"\\"\\\\/\\b\\f\\n\\r\\t\\u0001\\u001f\x7fü😀"}',
    );
  });

  it('has the fixed member order and one line', () => {
    const result = parseUserData({
      user: Buffer.from('[ucernvm-end]\n'),
      extra: [Buffer.from('x')],
    });
    expect(toCanonicalJson(result)).toBe(
      '{"format":"ucvm-userdata","version":1,"user":{"blocks":0,"glideinwms":false,"keys":{}},"extra":{"blocks":0,"keys":{}},"effective":{},"warnings":[{"code":"W_STRAY_END","input":"user","part":0,"line":1}]}\n',
    );
    expect(formatWarnings(result)).toBe('W_STRAY_END user 0 1\n');
    expect(formatWarnings(parseUserData({}))).toBe('');
  });
});
