// Property tests: the readers of untrusted bytes never throw and keep their invariants.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { concat, gzip, member } from '../test/tar-writer.js';
import { decodeAzureCustomData } from './azure.js';
import { decodeStrictBase64 } from './base64.js';
import { checkInjectArchive } from './inject.js';
import { formatOpenNebulaVars, parseOpenNebulaContext } from './opennebula.js';
import { readUcontext } from './reader.js';

const shellish = fc
  .array(fc.constantFrom(...'AB_=\'"\\$`;# \t\nx\r'.split('')), { maxLength: 80 })
  .map((cs) => new Uint8Array(Buffer.from(cs.join(''), 'latin1')));

const REASON =
  /^(not gzip|too large|corrupt|(absolute path|parent reference|unsupported type|link escapes|through symlink) .+)$/s;

describe('untrusted input properties', () => {
  it('strict base64 round-trips every byte string', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        expect(decodeStrictBase64(Buffer.from(bytes).toString('base64'))).toEqual(bytes);
      }),
    );
  });

  it('context.sh parsing never throws and vars lines never break', () => {
    fc.assert(
      fc.property(fc.oneof(shellish, fc.uint8Array({ maxLength: 80 })), (bytes) => {
        const r = parseOpenNebulaContext(bytes);
        for (const line of formatOpenNebulaVars(r).split('\n').slice(0, -1)) {
          expect(line).toMatch(/^[A-Za-z_][A-Za-z0-9_]*\t[^\n\r]*$/);
        }
        for (const w of r.warnings) expect(w.line).toBeGreaterThanOrEqual(0);
      }),
    );
  });

  it('the reader never throws and re-reading its keys is stable', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(shellish, fc.uint8Array({ maxLength: 60 })), { maxLength: 3 }),
        (files) => {
          const r = readUcontext(files);
          for (const key of r.keys.keys()) expect(key).toMatch(/^[a-z][a-z0-9_]{0,63}$/);
        },
      ),
    );
  });

  it('Azure decoding returns the input or its base64 decoding', () => {
    fc.assert(
      fc.property(fc.oneof(shellish, fc.uint8Array({ maxLength: 40 })), (bytes) => {
        const out = decodeAzureCustomData(bytes);
        expect(out === bytes || out.length <= (bytes.length * 3) / 4).toBe(true);
      }),
    );
  });

  it('the inject check never throws on damaged archives', () => {
    const good = concat(
      member({ name: 'a/b', data: 'hello' }),
      member({ name: 'l', type: '2', linkname: 'x' }),
    );
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(good.length - 1), fc.integer({ min: 0, max: 255 })), {
          maxLength: 6,
        }),
        (edits) => {
          const damaged = Uint8Array.from(good);
          for (const [at, byte] of edits) damaged[at] = byte;
          const r = checkInjectArchive(gzip(concat(damaged, new Uint8Array(1024))));
          if (!r.ok) {
            expect(r.reason).toMatch(REASON);
            return;
          }
          for (const m of r.members) {
            expect(m.name.startsWith('/') || m.name.split('/').includes('..')).toBe(false);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
