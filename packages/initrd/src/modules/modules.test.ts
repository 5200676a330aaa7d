import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeModule } from '../../test/fixtures/elf-builder.js';
import { InitrdError } from '../errors.js';
import { Staging } from '../tree/staging.js';
import { readModinfo } from './modinfo.js';
import { stageModules } from './stage-modules.js';

const VERSION = '6.1.0-56-amd64';
// A slice of the real 6.1 closure (image-recipes.md §7.2), with the real dependency edges.
const MODULES: Record<string, string[]> = {
  'kernel/lib/crc64.ko': ['name=crc64', 'depends='],
  'kernel/lib/crc64-rocksoft.ko': ['name=crc64_rocksoft', 'depends=crc64', 'softdep=pre: crc64'],
  'kernel/crypto/crct10dif_common.ko': ['name=crct10dif_common', 'depends='],
  'kernel/lib/crc-t10dif.ko': [
    'name=crc_t10dif',
    'depends=crct10dif_common',
    'softdep=pre: crct10dif',
  ],
  'kernel/block/t10-pi.ko': [
    'name=t10_pi',
    'depends=crc64-rocksoft,crc-t10dif,crc64,crct10dif_common',
  ],
  'kernel/drivers/scsi/scsi_common.ko': ['name=scsi_common', 'depends='],
  'kernel/drivers/scsi/scsi_mod.ko': ['name=scsi_mod', 'depends=scsi_common'],
  'kernel/drivers/scsi/sd_mod.ko': [
    'alias=scsi:t-0x00*',
    'alias=scsi:t-0x07*',
    'depends=t10-pi,scsi_mod,scsi_common,crc-t10dif',
    'name=sd_mod',
  ],
  'kernel/crypto/crc32c_generic.ko': [
    'alias=crypto-crc32c',
    'alias=crc32c',
    'depends=',
    'name=crc32c_generic',
  ],
};

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ucvm-modules-'));
  for (const [path, info] of Object.entries(MODULES)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), makeModule(info));
  }
  await writeFile(
    join(dir, 'modules.builtin'),
    'kernel/lib/crc32.ko\nkernel/net/packet/af_packet.ko\n',
  );
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const text = (staging: Staging, name: string) =>
  Buffer.from(
    (staging.get(`lib/modules/${VERSION}/${name}`) as { data: Uint8Array }).data,
  ).toString();

describe('stageModules', () => {
  it('copies the modules and writes modules.dep/.alias/.softdep/.builtin for the subset', async () => {
    const staging = new Staging();
    const order = Object.keys(MODULES);
    const staged = await stageModules(staging, { version: VERSION, modulesDir: dir }, order);
    expect(staged.names).toEqual([
      'crc64',
      'crc64_rocksoft',
      'crct10dif_common',
      'crc_t10dif',
      't10_pi',
      'scsi_common',
      'scsi_mod',
      'sd_mod',
      'crc32c_generic',
    ]);
    for (const p of order) expect(staging.get(`lib/modules/${VERSION}/${p}`)?.kind).toBe('file');
    // Every dependency line lists the transitive closure with the first-to-load LAST, the
    // order busybox modprobe reverses (it loads deps back to front, then the module).
    expect(text(staging, 'modules.dep')).toBe(
      [
        'kernel/lib/crc64.ko:',
        'kernel/lib/crc64-rocksoft.ko: kernel/lib/crc64.ko',
        'kernel/crypto/crct10dif_common.ko:',
        'kernel/lib/crc-t10dif.ko: kernel/crypto/crct10dif_common.ko',
        'kernel/block/t10-pi.ko: kernel/lib/crc-t10dif.ko kernel/crypto/crct10dif_common.ko kernel/lib/crc64-rocksoft.ko kernel/lib/crc64.ko',
        'kernel/drivers/scsi/scsi_common.ko:',
        'kernel/drivers/scsi/scsi_mod.ko: kernel/drivers/scsi/scsi_common.ko',
        'kernel/drivers/scsi/sd_mod.ko: kernel/drivers/scsi/scsi_mod.ko kernel/drivers/scsi/scsi_common.ko kernel/block/t10-pi.ko kernel/lib/crc-t10dif.ko kernel/crypto/crct10dif_common.ko kernel/lib/crc64-rocksoft.ko kernel/lib/crc64.ko',
        'kernel/crypto/crc32c_generic.ko:',
        '',
      ].join('\n'),
    );
    expect(text(staging, 'modules.alias')).toBe(
      [
        '# Aliases extracted from modules themselves.',
        'alias scsi:t-0x00* sd_mod',
        'alias scsi:t-0x07* sd_mod',
        'alias crypto-crc32c crc32c_generic',
        'alias crc32c crc32c_generic',
        '',
      ].join('\n'),
    );
    expect(text(staging, 'modules.softdep')).toBe(
      [
        '# Soft dependencies extracted from modules themselves.',
        'softdep crc64_rocksoft pre: crc64',
        'softdep crc_t10dif pre: crct10dif',
        '',
      ].join('\n'),
    );
    expect(text(staging, 'modules.builtin')).toBe(
      'kernel/lib/crc32.ko\nkernel/net/packet/af_packet.ko\n',
    );
    expect(text(staging, 'modules.order').split('\n').filter(Boolean)).toEqual(order);
  });

  it('every dependency in modules.dep comes before its dependants when read back to front', async () => {
    const staging = new Staging();
    await stageModules(staging, { version: VERSION, modulesDir: dir }, Object.keys(MODULES));
    for (const line of text(staging, 'modules.dep').split('\n').filter(Boolean)) {
      const [self, rest = ''] = line.split(':');
      const loadOrder = [...rest.trim().split(' ').filter(Boolean).reverse(), self as string];
      const position = new Map(loadOrder.map((p, i) => [p, i]));
      for (const p of loadOrder) {
        const deps =
          MODULES[p]
            ?.find((s) => s.startsWith('depends='))
            ?.slice(8)
            .split(',')
            .filter(Boolean) ?? [];
        for (const d of deps) {
          const dp = loadOrder.find(
            (x) => readModinfo(makeModule(MODULES[x] ?? []), x).name === d.replace(/-/g, '_'),
          );
          expect(position.get(dp as string)).toBeLessThan(position.get(p) as number);
        }
      }
    }
  });

  it('refuses a subset that misses a dependency, naming both modules', async () => {
    const staging = new Staging();
    const err = await stageModules(staging, { version: VERSION, modulesDir: dir }, [
      'kernel/drivers/scsi/scsi_mod.ko',
    ]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InitrdError);
    expect((err as InitrdError).code).toBe('MODULE_DEPENDENCY_MISSING');
    expect((err as InitrdError).message).toMatch(/scsi_mod depends on scsi_common/);
  });

  it('refuses missing and compressed modules', async () => {
    const kernel = { version: VERSION, modulesDir: dir };
    await expect(stageModules(new Staging(), kernel, ['kernel/fs/nope.ko'])).rejects.toThrow(
      /kernel\/fs\/nope\.ko/,
    );
    await expect(
      stageModules(new Staging(), kernel, ['kernel/fs/ext4/ext4.ko.xz']),
    ).rejects.toThrow(/compressed/);
  });
});
