import { readFile } from 'node:fs/promises';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { InitrdError } from '../errors.js';
import { Staging } from '../tree/staging.js';
import { busyboxApplets, stageAppletLinks } from './applets.js';

describe('busyboxApplets', () => {
  it("reads the same list the host's busybox-static prints with --list (run only as an oracle)", async () => {
    const ours = busyboxApplets(await readFile('/usr/bin/busybox'));
    const { stdout } = await execa('/usr/bin/busybox', ['--list']);
    expect(ours).toEqual(stdout.split('\n').filter(Boolean));
    // Applets the init relies on (runtime.md §1.2 item 3). Note: Debian 12's busybox-static has no ntpd.
    for (const name of [
      'sh',
      'mount',
      'nc',
      'udhcpc',
      'timeout',
      'sha256sum',
      'switch_root',
      'modprobe',
      'insmod',
    ]) {
      expect(ours).toContain(name);
    }
  });

  it('stops at the double NUL and at an out-of-order or invalid name', () => {
    const junk = Buffer.from('\x01\x02junk[\0[[\0ash\0cat\0\0zzz\0', 'latin1');
    expect(busyboxApplets(junk)).toEqual(['[', '[[', 'ash', 'cat']);
    const unsorted = Buffer.from('[\0[[\0cat\0ash\0', 'latin1');
    expect(busyboxApplets(unsorted)).toEqual(['[', '[[', 'cat']);
  });

  it('refuses a binary without an applet table', () => {
    expect(() => busyboxApplets(Buffer.from('no table here'))).toThrow(InitrdError);
  });
});

describe('stageAppletLinks', () => {
  it('links applets to busybox, leaving names a real tool already has on PATH', () => {
    const staging = new Staging();
    staging.add({
      kind: 'file',
      path: 'sbin/busybox',
      mode: 0o755,
      data: Buffer.from('bb'),
      component: 'busybox',
    });
    staging.add({
      kind: 'file',
      path: 'sbin/mke2fs',
      mode: 0o755,
      data: Buffer.from('e2'),
      component: 'e2fsprogs',
    });
    const linked = stageAppletLinks(staging, ['[', 'mke2fs', 'sh'], 'sbin/busybox');
    expect(linked).toEqual(['[', 'sh']);
    expect(staging.get('bin/sh')).toMatchObject({
      kind: 'symlink',
      target: '../sbin/busybox',
      component: 'busybox',
    });
    expect(staging.get('bin/mke2fs')).toBeUndefined();
  });
});
