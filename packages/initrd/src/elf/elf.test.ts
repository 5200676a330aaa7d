import { readFile } from 'node:fs/promises';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { makeDynamicElf, makeModule } from '../../test/fixtures/elf-builder.js';
import { InitrdError } from '../errors.js';
import { readElfDependencies } from './elf.js';

describe('readElfDependencies', () => {
  it('reads PT_INTERP, DT_NEEDED, DT_SONAME, DT_RPATH and DT_RUNPATH of a built object', () => {
    const bytes = makeDynamicElf({
      interpreter: '/lib64/ld-linux-x86-64.so.2',
      needed: ['libfoo.so.1', 'libc.so.6'],
      soname: 'libbar.so.2',
      rpath: '$ORIGIN/../lib:/opt/x',
      runpath: '/usr/lib/cvmfs',
    });
    expect(readElfDependencies(bytes, 'test')).toEqual({
      type: 3,
      machine: 62,
      interpreter: '/lib64/ld-linux-x86-64.so.2',
      needed: ['libfoo.so.1', 'libc.so.6'],
      soname: 'libbar.so.2',
      rpath: ['$ORIGIN/../lib', '/opt/x'],
      runpath: ['/usr/lib/cvmfs'],
      hasRunpath: true,
    });
  });

  it('agrees with readelf on host binaries and libraries', async () => {
    for (const file of [
      '/usr/sbin/mke2fs',
      '/usr/lib/x86_64-linux-gnu/libext2fs.so.2',
      '/usr/bin/busybox',
    ]) {
      const deps = readElfDependencies(await readFile(file), file);
      const { stdout } = await execa('readelf', ['-d', '-l', '-W', file], { env: { LC_ALL: 'C' } });
      const needed = [...stdout.matchAll(/\(NEEDED\)\s+Shared library: \[(.+)\]/g)].map(
        (m) => m[1],
      );
      const soname = /\(SONAME\)\s+Library soname: \[(.+)\]/.exec(stdout)?.[1];
      const interp = /Requesting program interpreter: (.+)\]/.exec(stdout)?.[1];
      expect(deps.needed).toEqual(needed);
      expect(deps.soname).toBe(soname);
      expect(deps.interpreter).toBe(interp);
    }
  });

  it('sees no dependencies in the static busybox and refuses what is not 64-bit LE ELF', async () => {
    const bb = readElfDependencies(await readFile('/usr/bin/busybox'), 'busybox');
    expect(bb.interpreter).toBeUndefined();
    expect(bb.needed).toEqual([]);
    expect(() => readElfDependencies(Buffer.from('#!/bin/sh\n'), 'script')).toThrow(InitrdError);
    const elf32 = makeDynamicElf({});
    elf32[4] = 1;
    expect(() => readElfDependencies(elf32, 'i386')).toThrow(/only 64-bit little-endian/);
  });

  it('reports a truncated file as malformed, naming it', () => {
    const bytes = makeDynamicElf({ needed: ['libz.so.1'] });
    expect(() => readElfDependencies(bytes.subarray(0, 100), '/bin/cut')).toThrow(/\/bin\/cut/);
  });

  it('treats a kernel module (ET_REL) as having no dynamic dependencies', () => {
    const deps = readElfDependencies(makeModule(['name=foo']), 'foo.ko');
    expect(deps.type).toBe(1);
    expect(deps.needed).toEqual([]);
  });
});
