import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UserdataError } from './errors.js';
import { parseUserData } from './parse.js';
import { renderBlock } from './render.js';

const parse = (text: string) => parseUserData({ user: Buffer.from(text, 'utf8') });

/** Any one-line UTF-8 value: no control byte but TAB, no lone surrogate. */
const value = fc
  .string({
    unit: fc.oneof(
      fc.constantFrom(' ', '\t', "'", '"', '=', '#', '$', '`', '\\', ';'),
      fc.constantFrom('a', 'ü', '😀'),
      fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }),
    ),
    maxLength: 40,
  })
  .filter((v) => !/[\x00-\x08\x0a-\x1f\x7f]/.test(v));
const key = fc
  .stringMatching(/^[a-z][a-z0-9_]{0,63}$/)
  .filter(
    (k) =>
      ![
        'resize_rootfs',
        'use_boothd',
        'cvmfs_http_proxy',
        'cvmfs_pac_urls',
        'cvmfs_server',
        'cvmfs_cdn',
        'cvmfs_branch',
        'cvmfs_tag',
        'cvmfs_wait_on_squid',
        'cvmfs_wait_on_squid_deadline',
        'cernvm_path',
        'cernvm_inject',
        'useglideinwms',
        'cvm_cluster_pin',
        'cvm_cluster_master',
        'cvm_service_url',
        'cvm_cluster_timeout',
      ].includes(k),
  );

describe('renderBlock', () => {
  it('round-trips arbitrary valid maps through parseUserData without warnings', () => {
    fc.assert(
      fc.property(fc.dictionary(key, value, { maxKeys: 12 }), (dict) => {
        const map = new Map(Object.entries(dict));
        const result = parse(renderBlock(map));
        expect(result.warnings).toEqual([]);
        expect(result.user.keys).toEqual(map);
        expect(result.user.blocks).toBe(1);
      }),
      { numRuns: 200 },
    );
  });

  it('round-trips known keys with valid values of their types', () => {
    const known = fc.record(
      {
        resize_rootfs: fc.constantFrom('0', '1'),
        cvmfs_tag: fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/),
        cvmfs_wait_on_squid: fc.integer({ min: 0, max: 300 }).map(String),
        cvmfs_http_proxy: fc.stringMatching(/^[A-Za-z0-9.\-_~:/@%;|,=+[\]]{1,200}$/),
        cvm_cluster_pin: fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(known, (dict) => {
        const map = new Map(Object.entries(dict));
        const result = parse(renderBlock(map));
        expect(result.warnings).toEqual([]);
        expect(result.user.keys).toEqual(map);
      }),
      { numRuns: 200 },
    );
  });

  it('quotes exactly the values that need it', () => {
    const cases: [string, string][] = [
      ['a', 'plain'],
      ['b', ' lead'],
      ['c', 'trail\t'],
      ['d', "'x'"],
      ['e', '"x"'],
      ['f', "'"],
      ['g', "''"],
      ['h', '"'],
      ['i', ''],
      ['j', '"x\''],
    ];
    expect(renderBlock(cases)).toBe(
      '[ucernvm-begin]\na=plain\nb=" lead"\nc="trail\t"\nd="\'x\'"\ne=""x""\nf=\'\ng="\'\'"\nh="\ni=\nj="x\'\n[ucernvm-end]\n',
    );
    expect(parse(renderBlock(cases)).user.keys).toEqual(new Map(cases));
  });

  it('writes known BOOL/UINT values in their stored form and checks known types', () => {
    expect(
      renderBlock([
        ['resize_rootfs', 'off'],
        ['cvmfs_wait_on_squid', '007'],
      ]),
    ).toBe('[ucernvm-begin]\nresize_rootfs=0\ncvmfs_wait_on_squid=7\n[ucernvm-end]\n');
  });

  const fails = (entries: [string, string][], code: string) => {
    try {
      renderBlock(entries);
    } catch (error) {
      expect(error).toBeInstanceOf(UserdataError);
      expect((error as UserdataError).code).toBe(code);
      expect((error as UserdataError).hint).toBeTruthy();
      return;
    }
    expect.unreachable(`no error for ${JSON.stringify(entries)}`);
  };

  it('refuses keys that would not parse back', () => {
    for (const k of ['', 'A', '9x', 'a-b', 'a b', 'é', 'x'.repeat(65)])
      fails([[k, '1']], 'E_RENDER_KEY');
    fails(
      [
        ['a', '1'],
        ['a', '2'],
      ],
      'E_RENDER_KEY',
    );
    fails(
      Array.from({ length: 257 }, (_, i): [string, string] => [`k${i}`, '1']),
      'E_RENDER_KEY',
    );
    expect(() =>
      renderBlock(Array.from({ length: 256 }, (_, i): [string, string] => [`k${i}`, '1'])),
    ).not.toThrow();
  });

  it('refuses values that would not parse back', () => {
    for (const v of ['a\nb', 'a\rb', '\x00', '\x7f', '\x1b[0m'])
      fails([['a', v]], 'E_RENDER_VALUE');
    fails([['a', '\ud800']], 'E_RENDER_VALUE');
    fails([['a', 'x'.repeat(4097)]], 'E_RENDER_VALUE');
    fails([['use_boothd', 'maybe']], 'E_RENDER_VALUE');
    fails([['cvmfs_server', 'host;$(id)']], 'E_RENDER_VALUE');
  });
});
