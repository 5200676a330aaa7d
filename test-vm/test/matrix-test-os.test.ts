import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildTestOsDisk, parseTestOsReport } from './fixtures/test-os.js';

describe('the test OS report parser', () => {
  it('turns the report lines into typed facts and ignores other console lines', () => {
    const lines = [
      '[ucvm] 99-boot: ok switch_root /sbin/init',
      'UCVM-TEST-OS: init started pid=1',
      'UCVM-TEST-OS: handoff=pid=1',
      'UCVM-TEST-OS: kernel=6.1.0-28-amd64',
      'UCVM-TEST-OS: uptime=21.50',
      'UCVM-TEST-OS: cvmfs_pids=312 318 ',
      'UCVM-TEST-OS: modules=6.1.0-28-amd64 42',
      `UCVM-TEST-OS: extra-user-data=${'ab'.repeat(32)}`,
      'UCVM-TEST-OS: extra-user-data-line1=#!/bin/sh',
      'UCVM-TEST-OS: injected=a.txt sub/b.txt ',
      'UCVM-TEST-OS: bootstrap-arg=/root',
      'UCVM-TEST-OS: bootstrap-argc=1',
      'UCVM-TEST-OS: bootstrap-first-boot=1',
      'UCVM-TEST-OS: root-writable=yes',
      'UCVM-TEST-OS: scratch=work ulogs aux cache ',
      'UCVM-TEST-OS: context-files=source user-data',
      'UCVM-TEST-OS: snapshot=a1b2',
      'UCVM-TEST-OS: standin-record: repo=cernvm-prod.cern.ch',
      'UCVM-TEST-OS: standin-record: CVMFS_QUOTA_LIMIT=1000',
      'UCVM-TEST-OS: marker:/tmp/pwned=absent',
      'UCVM-TEST-OS: marker:/etc/hostname=present',
      'UCVM-TEST-OS: persist-boot=2',
      'UCVM-TEST-OS: surprise=x=y',
      'UCVM-TEST-OS: done\r',
    ];
    const r = parseTestOsReport(lines);
    expect(r).toMatchObject({
      handoffPid: 1,
      kernel: '6.1.0-28-amd64',
      uptimeS: 21.5,
      cvmfsPids: [312, 318],
      modules: { kver: '6.1.0-28-amd64', count: 42 },
      extraUserData: { sha256: 'ab'.repeat(32), firstLine: '#!/bin/sh' },
      injected: ['a.txt', 'sub/b.txt'],
      bootstrap: { arg: '/root', argc: '1', 'first-boot': '1' },
      rootWritable: true,
      scratch: ['aux', 'cache', 'ulogs', 'work'],
      contextFiles: ['source', 'user-data'],
      snapshot: 'a1b2',
      pinned: null,
      standinRecord: ['repo=cernvm-prod.cern.ch', 'CVMFS_QUOTA_LIMIT=1000'],
      markers: { '/tmp/pwned': false, '/etc/hostname': true },
      persistBoot: 2,
      done: true,
      other: { surprise: 'x=y' },
    });
  });

  it('reports absences as null/none, and no `done` when the OS stopped early', () => {
    const r = parseTestOsReport([
      'UCVM-TEST-OS: cvmfs_pids=missing',
      'UCVM-TEST-OS: modules=6.1.0 absent',
      'UCVM-TEST-OS: extra-user-data=none',
      'UCVM-TEST-OS: injected=none',
      'UCVM-TEST-OS: bootstrap-arg=none',
      'UCVM-TEST-OS: root-writable=no',
    ]);
    expect(r).toMatchObject({
      cvmfsPids: null,
      modules: { kver: '6.1.0', count: null },
      extraUserData: null,
      injected: null,
      bootstrap: null,
      rootWritable: false,
      done: false,
      handoffPid: null,
    });
  });
});

describe('the test OS disk', () => {
  it('holds the OS under cernvm_path with the hook, and its init reports on the host', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ucvm-test-os-'));
    try {
      const img = await buildTestOsDisk(dir, {
        cernvmPath: 'cvm4',
        markers: ['/ucvm-pwned', '/bin/sh'],
      });
      const ls = spawnSync('debugfs', ['-R', 'ls -p /cvm4', img], { encoding: 'utf8' });
      for (const f of ['bin', 'sbin', '.cernvm_bootstrap']) expect(ls.stdout).toContain(`/${f}/`);
      const label = spawnSync('e2label', [img], { encoding: 'utf8' });
      expect(label.stdout.trim()).toBe('UCVM_TESTOS');
      // The init itself, run by the host busybox in the unpacked tree (chroot-free: paths
      // are absolute, so only syntax and the report format are checked here).
      const init = join(dir, 'testos.img.tree/cvm4/sbin/init');
      const syntax = spawnSync('busybox', ['sh', '-n', init], { encoding: 'utf8' });
      expect(syntax.status, syntax.stderr).toBe(0);
      const hook = join(dir, 'testos.img.tree/cvm4/.cernvm_bootstrap');
      const root = join(dir, 'hookroot');
      spawnSync('mkdir', ['-p', root]);
      const ran = spawnSync('busybox', ['sh', hook, root], {
        encoding: 'utf8',
        env: {
          PATH: `${join(dir, 'bin')}:/usr/bin:/bin`,
          UCVM_FIRST_BOOT: '1',
          _UCONTEXT_CVMFS_PROXY: 'x',
        },
      });
      // log_info is absent on the host: the record is written before it.
      const rec = spawnSync('cat', [join(root, 'ucvm-test-bootstrap')], { encoding: 'utf8' });
      expect(rec.stdout, ran.stderr).toContain(`arg=${root}\nargc=1\n`);
      expect(rec.stdout).toContain('first-boot=1\n');
      expect(rec.stdout).toContain('ucontext-keys=CVMFS_PROXY \n');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
