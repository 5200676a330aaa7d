import { describe, expect, it } from 'vitest';
import { fakeModule } from '../test/helpers/fake-kernel.js';
import { readModinfo } from './elf-modinfo.js';
import { KernelFetchError } from './errors.js';

describe('readModinfo', () => {
  it('returns the .modinfo key=value fields in order', () => {
    const ko = fakeModule([
      'alias=fs-ext4',
      'depends=mbcache,jbd2',
      'softdep=pre: crc32c',
      'name=ext4',
    ]);
    expect(readModinfo(ko, 'ext4.ko')).toEqual([
      ['alias', 'fs-ext4'],
      ['depends', 'mbcache,jbd2'],
      ['softdep', 'pre: crc32c'],
      ['name', 'ext4'],
    ]);
  });

  it('names the file when it is not an ELF module', () => {
    expect(() => readModinfo(new Uint8Array(100), '/x/bad.ko')).toThrow(
      /^\/x\/bad\.ko: not an ELF file/,
    );
    const ko = fakeModule(['name=x']);
    ko.set(new TextEncoder().encode('.other\0'), 0x40 + 7); // rename the section
    const error = (() => {
      try {
        readModinfo(ko, 'x.ko');
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(KernelFetchError);
    expect(error).toMatchObject({ code: 'MODULE_BAD_FILE', exitCode: 1 });
  });
});
