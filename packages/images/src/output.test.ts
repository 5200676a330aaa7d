import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freshDir } from '../test/fixtures.js';
import { scratch } from '../test/host.js';
import { concatChunks, writeImageFile } from './output.js';

const dir = scratch();

describe('writeImageFile', () => {
  it('writes bytes and holes, sparse, and removes stale temporaries of the same name', async () => {
    const d = freshDir(dir, 'a');
    writeFileSync(join(d, '.x.img.ucvm-tmp-99999'), 'stale');
    const n = await writeImageFile(join(d, 'x.img'), [
      Buffer.from('ab'),
      4 * 1024 * 1024,
      Buffer.from('c'),
    ]);
    expect(n).toBe(4 * 1024 * 1024 + 3);
    const b = readFileSync(join(d, 'x.img'));
    expect(
      b.equals(Buffer.from(concatChunks([Buffer.from('ab'), 4 * 1024 * 1024, Buffer.from('c')]))),
    ).toBe(true);
    expect(statSync(join(d, 'x.img')).blocks * 512).toBeLessThan(1024 * 1024);
    expect(readdirSync(d)).toEqual(['x.img']);
  });

  it('leaves nothing under the final name when the finishing step fails', async () => {
    const d = freshDir(dir, 'b');
    await expect(
      writeImageFile(join(d, 'y.img'), [Buffer.from('x')], async () => {
        throw new Error('installer crashed');
      }),
    ).rejects.toMatchObject({
      code: 'OUTPUT_WRITE',
      message: expect.stringContaining('installer crashed'),
    });
    expect(readdirSync(d)).toEqual([]);
  });
});
