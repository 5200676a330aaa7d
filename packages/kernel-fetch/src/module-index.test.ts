import { describe, expect, it } from 'vitest';
import {
  formatModulesAlias,
  formatModulesDep,
  formatModulesSoftdep,
  type ModuleIndex,
  parseBuiltinModinfo,
  parseModulesAlias,
  parseModulesBuiltin,
  parseModulesDep,
  parseModulesSoftdep,
  parseSoftdepSpec,
} from './module-index.js';

const dep = `kernel/fs/ext4/ext4.ko: kernel/lib/crc16.ko kernel/fs/mbcache.ko kernel/fs/jbd2/jbd2.ko
kernel/lib/crc16.ko:
kernel/fs/mbcache.ko:
kernel/fs/jbd2/jbd2.ko:
kernel/lib/crc-t10dif.ko: kernel/crypto/crct10dif_common.ko
kernel/crypto/crct10dif_common.ko:
`;

describe('modules.* text files', () => {
  it('parses modules.dep into names with deps in file order, and formats it back (sorted)', () => {
    const modules = parseModulesDep(dep);
    expect(modules.get('ext4')).toEqual({
      name: 'ext4',
      path: 'kernel/fs/ext4/ext4.ko',
      deps: ['crc16', 'mbcache', 'jbd2'],
    });
    expect(modules.get('crc_t10dif')?.deps).toEqual(['crct10dif_common']);
    const index = { modules } as ModuleIndex;
    const text = formatModulesDep(index);
    expect(text.split('\n').filter(Boolean).sort()).toEqual(dep.split('\n').filter(Boolean).sort());
    expect(parseModulesDep(text)).toEqual(modules);
  });

  it('parses and formats modules.alias and modules.softdep', () => {
    const aliases = parseModulesAlias(
      '# Aliases extracted from modules themselves.\nalias fs-ext4 ext4\nalias crypto-crc32c crc32c-intel\n',
    );
    expect(aliases).toEqual([
      { pattern: 'fs-ext4', module: 'ext4' },
      { pattern: 'crypto-crc32c', module: 'crc32c_intel' },
    ]);
    expect(formatModulesAlias(aliases)).toBe(
      'alias fs-ext4 ext4\nalias crypto-crc32c crc32c_intel\n',
    );
    const softdeps = parseModulesSoftdep(
      'softdep ext4 pre: crypto-crc32c\nsoftdep cifs pre: ecb\nsoftdep cifs sha512 post: x\n',
    );
    expect(softdeps.get('cifs')).toEqual({ pre: ['ecb'], post: ['x'] });
    expect(formatModulesSoftdep(softdeps)).toBe(
      'softdep cifs pre: ecb post: x\nsoftdep ext4 pre: crypto-crc32c\n',
    );
    expect(() => parseModulesAlias('alias onlyone\n')).toThrow(
      /modules\.alias: malformed line "alias onlyone"/,
    );
  });

  it('parses softdep specs, ignoring words before pre:/post: as kmod does', () => {
    expect(parseSoftdepSpec('pre: a b post: c')).toEqual({ pre: ['a', 'b'], post: ['c'] });
    expect(parseSoftdepSpec('sha512')).toEqual({ pre: [], post: [] });
  });

  it('parses modules.builtin and the aliases in modules.builtin.modinfo', () => {
    expect([
      ...parseModulesBuiltin('kernel/net/packet/af_packet.ko\nkernel/lib/crc32.ko\n'),
    ]).toEqual(['af_packet', 'crc32']);
    const info = new TextEncoder().encode(
      'af_packet.alias=net-pf-17\0af_packet.license=GPL\0crc32.file=lib/crc32\0',
    );
    expect(parseBuiltinModinfo(info)).toEqual([{ pattern: 'net-pf-17', module: 'af_packet' }]);
  });
});
