import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { joinExtraChunks, parseUserData } from './parse.js';
import { formatWarnings, toCanonicalJson } from './serialize.js';

const b = (s: string): Uint8Array => Buffer.from(s, 'latin1');
const MiB = 1024 * 1024;
const block = (body: string) => `[ucernvm-begin]\n${body}\n[ucernvm-end]\n`;

describe('parseUserData never throws (§14)', () => {
  const fragments = fc.constantFrom(
    '[ucernvm-begin]\n',
    '[ucernvm-end]\n',
    'Content-Type: multipart/mixed; boundary=B\n\n',
    '--B\n',
    '--B--\n',
    'Content-Transfer-Encoding: base64\n\n',
    'Content-Transfer-Encoding: quoted-printable\n\n',
    'a=1\n',
    'cvmfs_tag=x\n',
    '\x1f\x8b',
    '\xEF\xBB\xBF',
    '=\n',
    '\r',
    '#### -cluster 1 -subcluster 2####',
  );
  const structured = fc
    .array(fc.oneof(fragments, fc.string({ maxLength: 8 })), { maxLength: 30 })
    .map((parts) => b(parts.join('')));
  const input = fc.oneof(fc.uint8Array({ maxLength: 300 }), structured);

  it('on arbitrary and structured bytes, and the outputs are well-formed', () => {
    fc.assert(
      fc.property(
        fc.option(input, { nil: undefined }),
        fc.option(fc.array(input, { maxLength: 3 }), { nil: undefined }),
        (user, extra) => {
          const result = parseUserData({ user, extra });
          for (const key of result.effective.keys()) expect(key).toMatch(/^[a-z][a-z0-9_]{0,63}$/);
          expect(result.effective).toEqual(new Map([...result.user.keys, ...result.extra.keys]));
          expect(toCanonicalJson(result).endsWith('}\n')).toBe(true);
          expect(JSON.parse(toCanonicalJson(result)).warnings.length).toBe(result.warnings.length);
          expect(formatWarnings(result).split('\n').length).toBe(result.warnings.length + 1);
          expect(result.extraUserData !== undefined).toBe(extra !== undefined);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('on gzip of structured bytes', () => {
    fc.assert(
      fc.property(structured, (bytes) => {
        expect(() => parseUserData({ user: gzipSync(bytes) })).not.toThrow();
      }),
      { numRuns: 100 },
    );
  });
});

describe('§4.1 input size and §6.1 cernvm_inject length', () => {
  it('an input over 16 MiB gives W_TOO_LARGE and no keys; exactly 16 MiB is parsed', () => {
    const head = block('a=1');
    const exact = Buffer.alloc(16 * MiB, 0x23);
    exact.write(head, 0, 'latin1');
    exact[head.length] = 0x0a;
    expect(parseUserData({ user: exact }).user.keys).toEqual(new Map([['a', '1']]));
    const over = Buffer.concat([exact, Buffer.from('#')]);
    const result = parseUserData({ user: over, extra: [over] });
    expect(result.user.keys.size).toBe(0);
    expect(result.user.blocks).toBe(0);
    expect(formatWarnings(result)).toBe('W_TOO_LARGE user 0 0\nW_TOO_LARGE extra 0 0\n');
  });

  it('glideinWMS detection does not run on an input over the size limit', () => {
    const payload = `${Buffer.from('args -param_CERNVM_CMS_PROXY DIRECT\n').toString('base64')}#### -cluster 1 -subcluster 0####`;
    const ok = parseUserData({ user: b(payload) });
    expect(ok.user.glideinwms).toBe(true);
    expect(ok.user.keys.get('cvmfs_http_proxy')).toBe('DIRECT');
    const big = parseUserData({ user: b(payload + ' '.repeat(16 * MiB)) });
    expect(big.user.glideinwms).toBe(false);
  });

  it('cernvm_inject accepts 12 MiB and refuses more', () => {
    const value = 'A'.repeat(12 * MiB);
    const ok = parseUserData({ user: b(block(`cernvm_inject=${value}`)) });
    expect(ok.user.keys.get('cernvm_inject')?.length).toBe(12 * MiB);
    const long = parseUserData({ user: b(block(`cernvm_inject=${value}AAAA`)) });
    expect(long.user.keys.size).toBe(0);
    expect(formatWarnings(long)).toBe('W_VALUE_TOO_LONG user 0 2\n');
  });
});

describe('joinExtraChunks (§9.2)', () => {
  const join = (...chunks: string[]) =>
    Buffer.from(joinExtraChunks(chunks.map(b))).toString('latin1');
  it('removes one BOM per chunk and terminates non-empty chunks with LF', () => {
    expect(join()).toBe('');
    expect(join('', '\xEF\xBB\xBF', 'a')).toBe('a\n');
    expect(join('\xEF\xBB\xBF\xEF\xBB\xBFa\n', 'b\r', 'c\n\n')).toBe('\xEF\xBB\xBFa\nb\r\nc\n\n');
  });
  it('is what parseUserData reports and parses', () => {
    const result = parseUserData({ extra: [b('[ucernvm-begin]\nx=1'), b('[ucernvm-end]')] });
    expect(Buffer.from(result.extraUserData ?? []).toString()).toBe(
      '[ucernvm-begin]\nx=1\n[ucernvm-end]\n',
    );
    expect(result.extra).toEqual({ blocks: 1, keys: new Map([['x', '1']]) });
    expect(parseUserData({ extra: [] }).extraUserData).toEqual(new Uint8Array(0));
    expect(parseUserData({}).extraUserData).toBeUndefined();
  });
});
