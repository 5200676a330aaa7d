import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFat } from '@ucvm/images';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeNoCloudSeed } from './cidata.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ucvm-cidata-test-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const userData = new TextEncoder().encode('#!/bin/sh\necho hello\n[cernvm]\norganisations=none\n');

describe('writeNoCloudSeed', () => {
  it('writes a FAT labelled cidata with user-data and meta-data, the same bytes every time', async () => {
    const a = join(dir, 'a.img');
    const b = join(dir, 'b.img');
    await writeNoCloudSeed(a, userData, 1_700_000_000);
    await writeNoCloudSeed(b, userData, 1_700_000_000);
    const bytes = new Uint8Array(await readFile(a));
    expect(Buffer.compare(bytes, await readFile(b))).toBe(0);
    const fat = readFat(bytes);
    expect(fat.label.toLowerCase()).toBe('cidata');
    const files = new Map(fat.entries.map((f) => [f.path, f]));
    expect(Buffer.from(files.get('user-data')?.data ?? []).toString()).toBe(
      Buffer.from(userData).toString(),
    );
    expect(Buffer.from(files.get('meta-data')?.data ?? []).toString()).toMatch(
      /^instance-id: ucvm-run-[0-9a-f]{16}\n/,
    );
    // Independent tools: what the guest's blkid sees, and fsck's verdict.
    const blkid = execFileSync('blkid', ['-p', '-o', 'export', a], { encoding: 'utf8' });
    expect(blkid).toMatch(/^TYPE=vfat$/m);
    expect(blkid).toMatch(/^LABEL=CIDATA$/m);
    execFileSync('fsck.fat', ['-n', a], { stdio: 'pipe' });
  });
});
