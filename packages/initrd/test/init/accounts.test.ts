// ucvm-merge-accounts: the account merge rules of runtime.md §3 15-rebase
// item 2 (collisions, remaps, member merge, transactional failure).
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Fixture, LIB_DIR } from './harness.js';

let fx: Fixture;
afterEach(() => fx?.cleanup());

const TS = '2026-01-02T03:04:05+00:00';
type Files = Partial<Record<'passwd' | 'group' | 'shadow' | 'gshadow', string>>;

function merge(up: Files, local: Files, maps: { uid?: string; gid?: string } = {}) {
  fx = new Fixture();
  for (const d of ['up', 'loc', 'aux']) mkdirSync(fx.path(d));
  for (const [n, c] of Object.entries(up)) writeFileSync(fx.path('up', n), c);
  for (const [n, c] of Object.entries(local))
    writeFileSync(fx.path('loc', n), c, { mode: n.includes('shadow') ? 0o600 : 0o644 });
  if (maps.uid !== undefined) writeFileSync(fx.path('aux/uid_map'), maps.uid);
  if (maps.gid !== undefined) writeFileSync(fx.path('aux/gid_map'), maps.gid);
  const r = fx.exec([
    'sh',
    join(LIB_DIR, 'bin/ucvm-merge-accounts'),
    fx.path('up'),
    fx.path('loc'),
    fx.path('aux'),
    TS,
  ]);
  const read = (p: string) => (existsSync(fx.path(p)) ? fx.read(p) : undefined);
  return {
    r,
    passwd: read('loc/passwd'),
    group: read('loc/group'),
    shadow: read('loc/shadow'),
    gshadow: read('loc/gshadow'),
    uidMap: read('aux/uid_map'),
    gidMap: read('aux/gid_map'),
    log: read(`aux/account_merge-${TS}.log`) ?? '',
  };
}

const pw = (n: string, uid: number, gid: number) => `${n}:x:${uid}:${gid}::/home/${n}:/bin/sh`;

describe('ucvm-merge-accounts', () => {
  it('same name: local entry kept, upstream id mapped, group members appended (group and gshadow)', () => {
    const m = merge(
      {
        group: 'root:x:0:\nwheel:x:10:root,ops\n',
        gshadow: 'root:::\nwheel:::root,ops\n',
        passwd: `${pw('root', 0, 0)}\n${pw('ops', 1001, 10)}\n`,
        shadow: 'root:*:1::::::\nops:!:1::::::\n',
      },
      {
        group: 'root:x:0:\nwheel:x:11:admin\n',
        gshadow: 'root:::\nwheel:::admin\n',
        passwd: `root:x:0:0:local root:/root:/bin/bash\n${pw('ops', 1005, 11)}\n`,
        shadow: 'root:LOCAL:1::::::\nops:LOCAL:1::::::\n',
      },
    );
    expect(m.r.status).toBe(0);
    expect(m.group).toBe('root:x:0:\nwheel:x:11:admin,root,ops\n');
    expect(m.gshadow).toBe('root:::\nwheel:::admin,root,ops\n');
    expect(m.passwd).toBe(`root:x:0:0:local root:/root:/bin/bash\n${pw('ops', 1005, 11)}\n`);
    expect(m.shadow).toBe('root:LOCAL:1::::::\nops:LOCAL:1::::::\n');
    expect(m.gidMap).toBe('10 11\n');
    expect(m.uidMap).toBe('1001 1005\n');
  });

  it('new name with a free id: appended unchanged, shadow line copied from upstream', () => {
    const m = merge(
      {
        group: 'root:x:0:\nnew:x:1002:a\n',
        gshadow: 'new:!::a\n',
        passwd: `${pw('root', 0, 0)}\n${pw('new', 1002, 1002)}\n`,
        shadow: 'new:!!:2::::::\n',
      },
      {
        group: 'root:x:0:\n',
        gshadow: '',
        passwd: `${pw('root', 0, 0)}\n`,
        shadow: 'root:H:1::::::\n',
      },
    );
    expect(m.group).toBe('root:x:0:\nnew:x:1002:a\n');
    expect(m.gshadow).toBe('new:!::a\n');
    expect(m.passwd).toBe(`${pw('root', 0, 0)}\n${pw('new', 1002, 1002)}\n`);
    expect(m.shadow).toBe('root:H:1::::::\nnew:!!:2::::::\n');
    expect([m.uidMap, m.gidMap]).toEqual(['', '']);
  });

  it('new name whose id is taken: 999 down for ids < 1000, 1000 up otherwise, skipping ids used anywhere', () => {
    const m = merge(
      {
        // 998 is used upstream: not allocated; 65534 is taken locally: never 65534/65535
        group: 'sys:x:300:\nup998:x:998:\nbig:x:1000:\nnogroup:x:65534:\n',
        passwd: `${pw('sys', 300, 300)}\n${pw('up998', 998, 998)}\n${pw('big', 1000, 1000)}\n${pw('nfsnobody', 65534, 65534)}\n`,
      },
      {
        group: 'mine:x:300:\nm999:x:999:\nm1000:x:1000:\nnobody:x:65534:\n',
        passwd: `${pw('me', 300, 300)}\n${pw('m999', 999, 999)}\n${pw('m1000', 1000, 1000)}\n${pw('nobody', 65534, 65534)}\n`,
      },
    );
    expect(m.r.status).toBe(0);
    expect(m.group).toBe(
      'mine:x:300:\nm999:x:999:\nm1000:x:1000:\nnobody:x:65534:\nsys:x:997:\nup998:x:998:\nbig:x:1001:\nnogroup:x:1002:\n',
    );
    expect(m.gidMap).toBe('300 997\n1000 1001\n65534 1002\n');
    // users: ids taken the same way; primary gids through the group map
    expect(m.passwd?.split('\n').slice(4)).toEqual([
      pw('sys', 997, 997),
      pw('up998', 998, 998),
      pw('big', 1001, 1001),
      pw('nfsnobody', 1002, 1002),
      '',
    ]);
    expect(m.uidMap).toBe('300 997\n1000 1001\n65534 1002\n');
    expect(m.log).toContain('alloc group sys 300 -> 997');
  });

  it('a new user primary gid is translated once (no chained remaps)', () => {
    // upstream a:500 → local 999 (taken), upstream b:999 → 998; a user with gid 500 gets 999, not 998
    const m = merge(
      { group: 'a:x:500:\nb:x:999:\n', passwd: `${pw('u', 2000, 500)}\n` },
      { group: 'la:x:500:\n', passwd: '' },
    );
    expect(m.gidMap).toBe('500 998\n');
    fx.cleanup();
    const n = merge(
      { group: 'a:x:500:\nb:x:600:\n', passwd: `${pw('u', 2000, 500)}\n${pw('v', 2001, 600)}\n` },
      { group: 'b:x:500:\nla:x:600:\n', passwd: '' },
    );
    // b: same name, 600 → 500; a: new, 500 taken → 999; u's gid 500 → 999 (not 999 → …), v's 600 → 500
    expect(n.gidMap).toBe('500 999\n600 500\n');
    expect(n.passwd).toBe(`${pw('u', 2000, 999)}\n${pw('v', 2001, 500)}\n`);
    expect(m.r.status).toBe(0);
  });

  it('invalid upstream lines are skipped and logged; invalid local lines stay verbatim and do not hold ids', () => {
    const m = merge(
      {
        group: '# comment\n\nshort:x:1\nok:x:700:\nbad:x:abc:\n',
        passwd: 'root:x:0:0::/root:/bin/sh:extra\nnew:x:701:700::/:/bin/sh\n',
      },
      { group: 'junk line\n# local comment\nold:x:5:\n', passwd: 'weird:x:701\n' },
    );
    expect(m.group).toBe('junk line\n# local comment\nold:x:5:\nok:x:700:\n');
    // `weird` (3 fields) does not hold 701: the new user keeps it
    expect(m.passwd).toBe('weird:x:701\nnew:x:701:700::/:/bin/sh\n');
    expect(m.log).toContain('skip-upstream group line 3');
    expect(m.log).toContain('skip-upstream group line 5');
    expect(m.log).toContain('skip-upstream user line 1');
    expect(m.log).toContain('keep-local group line 1');
    expect(m.log).toContain('skip-upstream group line 1\n'); // comments and blanks too
  });

  it('upstream deletions are not propagated; local order kept, new lines in upstream order', () => {
    const m = merge(
      { passwd: `${pw('z', 1010, 0)}\n${pw('y', 1011, 0)}\n` },
      { passwd: `${pw('gone', 1000, 0)}\n${pw('kept', 1001, 0)}\n` },
    );
    expect(m.passwd).toBe(
      `${pw('gone', 1000, 0)}\n${pw('kept', 1001, 0)}\n${pw('z', 1010, 0)}\n${pw('y', 1011, 0)}\n`,
    );
  });

  it('missing local files are created from upstream (shadow files 0400); backups of existing files and maps; modes kept', () => {
    const m = merge(
      {
        passwd: `${pw('root', 0, 0)}\n`,
        group: 'root:x:0:\n',
        shadow: 'root:*:1::::::\n',
        gshadow: 'root:::\n',
      },
      { passwd: `${pw('root', 0, 0)}\n${pw('me', 1000, 1000)}\n`, shadow: 'root:H:1::::::\n' },
      { uid: '7 8\n' },
    );
    expect(m.r.status).toBe(0);
    expect(m.group).toBe('root:x:0:\n');
    expect(m.gshadow).toBe('root:::\n');
    const mode = (p: string) => (statSync(fx.path(p)).mode & 0o7777).toString(8);
    expect(mode('loc/gshadow')).toBe('400');
    expect(mode('loc/group')).toBe('644');
    expect(mode('loc/shadow')).toBe('600');
    expect(readdirSync(fx.path('loc')).sort()).toEqual([
      'group',
      'gshadow',
      'passwd',
      `passwd.backup.${TS}`,
      'shadow',
      `shadow.backup.${TS}`,
    ]);
    expect(fx.read('loc', `passwd.backup.${TS}`)).toBe(
      `${pw('root', 0, 0)}\n${pw('me', 1000, 1000)}\n`,
    );
    expect(fx.read('aux', `uid_map.backup.${TS}`)).toBe('7 8\n');
    // maps are recomputed: only this merge's non-identity pairs
    expect(m.uidMap).toBe('');
    expect(m.log).toMatch(/done \(created from upstream: group gshadow\)\n$/);
  });

  it('transactional: a failing merge changes nothing (files, maps, no backups, no temp files)', () => {
    const local = Array.from({ length: 799 }, (_, i) => pw(`u${i + 201}`, i + 201, 0)).join('\n');
    const m = merge(
      {
        group: 'g:x:5000:\n',
        passwd: `${pw('new', 300, 0)}\n`,
      },
      { group: 'h:x:5000:\n', passwd: `${local}\n` },
      { uid: '1 2\n', gid: '3 4\n' },
    );
    expect(m.r.status).toBe(1);
    expect(m.r.stderr).toContain('ucvm-merge-accounts: user merge failed');
    expect(m.log).toContain('no free id for user new');
    expect(m.group).toBe('h:x:5000:\n');
    expect(m.passwd).toBe(`${local}\n`);
    expect([m.uidMap, m.gidMap]).toEqual(['1 2\n', '3 4\n']);
    expect(readdirSync(fx.path('loc')).sort()).toEqual(['group', 'passwd']);
    expect(readdirSync(fx.path('aux')).sort()).toEqual([
      `account_merge-${TS}.log`,
      'gid_map',
      'uid_map',
    ]);
  });

  it('usage errors exit 2', () => {
    fx = new Fixture();
    const r = fx.exec(['sh', join(LIB_DIR, 'bin/ucvm-merge-accounts'), 'a']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('usage: ucvm-merge-accounts');
  });
});
