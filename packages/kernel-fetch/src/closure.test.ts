import { describe, expect, it } from 'vitest';
import { moduleClosure } from './closure.js';
import { KernelFetchError } from './errors.js';
import {
  type ModuleIndex,
  parseModulesAlias,
  parseModulesDep,
  parseModulesSoftdep,
} from './module-index.js';

const index: ModuleIndex = {
  modulesDir: '/k/lib/modules/1.0',
  modules:
    parseModulesDep(`kernel/fs/ext4/ext4.ko: kernel/lib/crc16.ko kernel/fs/mbcache.ko kernel/fs/jbd2/jbd2.ko
kernel/lib/crc16.ko:
kernel/fs/mbcache.ko:
kernel/fs/jbd2/jbd2.ko:
kernel/crypto/crc32c_generic.ko:
kernel/arch/x86/crypto/crc32c-intel.ko:
kernel/drivers/block/virtio_blk.ko: kernel/drivers/virtio/virtio.ko kernel/drivers/virtio/virtio_ring.ko
kernel/drivers/virtio/virtio.ko: kernel/drivers/virtio/virtio_ring.ko
kernel/drivers/virtio/virtio_ring.ko:
kernel/fs/a.ko:
kernel/fs/b.ko:
`),
  aliases: parseModulesAlias(`alias crypto-crc32c crc32c_intel
alias crypto-crc32c crc32c_generic
alias virtio:d00000002v* virtio_blk
alias fs-ext4 ext4
`),
  builtin: new Set(['af_packet']),
  builtinAliases: [{ pattern: 'net-pf-17', module: 'af_packet' }],
  softdeps: parseModulesSoftdep(
    'softdep ext4 pre: crypto-crc32c\nsoftdep jbd2 pre: crypto-crc32c\nsoftdep a pre: b post: missing\nsoftdep b pre: a\n',
  ),
  source: 'modules.dep',
};

const names = (c: ReturnType<typeof moduleClosure>): string[] => c.modules.map((m) => m.name);

describe('moduleClosure', () => {
  it('orders hard deps and pre-softdeps (all matches of an alias) before the module', () => {
    const c = moduleClosure(index, ['ext4']);
    expect(names(c)).toEqual([
      'crc32c_intel',
      'crc32c_generic',
      'jbd2',
      'mbcache',
      'crc16',
      'ext4',
    ]);
    expect(c.modules.at(-1)).toMatchObject({
      path: 'kernel/fs/ext4/ext4.ko',
      file: '/k/lib/modules/1.0/kernel/fs/ext4/ext4.ko',
    });
  });

  it("resolves aliases (fnmatch) and '-'/'_' spellings; reports built-ins instead of loading them", () => {
    const c = moduleClosure(index, [
      'virtio:d00000002v00001AF4',
      'crc32c-intel',
      'af-packet',
      'net-pf-17',
      'fs-ext4',
    ]);
    expect(names(c).slice(0, 4)).toEqual(['virtio_ring', 'virtio', 'virtio_blk', 'crc32c_intel']);
    expect(c.builtin).toEqual(['af_packet']);
    expect(names(c)).toContain('ext4');
    expect(new Set(names(c)).size).toBe(names(c).length);
  });

  it('can leave softdeps out; survives softdep cycles; lists unresolved softdeps', () => {
    expect(names(moduleClosure(index, ['ext4'], { softdeps: false }))).toEqual([
      'jbd2',
      'mbcache',
      'crc16',
      'ext4',
    ]);
    const c = moduleClosure(index, ['a']);
    expect(names(c)).toEqual(['b', 'a']);
    expect(c.unresolvedSoftdeps).toEqual(['missing']);
  });

  it('throws a typed error naming every unknown module', () => {
    const error = (() => {
      try {
        moduleClosure(index, ['ext4', 'nosuch', 'nothing-either']);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(KernelFetchError);
    expect(error).toMatchObject({ code: 'MODULE_UNKNOWN', exitCode: 2 });
    expect((error as Error).message).toMatch(
      /^unknown kernel modules "nosuch", "nothing-either": neither a module/,
    );
  });
});
