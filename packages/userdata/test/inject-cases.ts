import type { Entry } from './tar-writer.js';

/**
 * Archives that userdata.md §8.2 refuses, with the exact reason: one table for both
 * implementations (the TypeScript `checkInjectArchive` and the init's `ucvm-untar`), so the
 * two cannot drift apart.
 */
export const REFUSED_INJECT_CASES: [reason: string, entries: Entry[]][] = [
  ['absolute path /etc/x', [{ name: '/etc/x' }]],
  ['absolute path /etc/x', [{ name: './/etc/x' }]],
  ['parent reference a/../b', [{ name: 'a/../b' }]],
  ['parent reference ../x', [{ name: './../x' }]],
  ['parent reference ..', [{ name: '..', type: '5' }]],
  ['unsupported type dev/x', [{ name: 'dev/x', type: '3' }]],
  ['unsupported type dev/b', [{ name: 'dev/b', type: '4' }]],
  ['unsupported type fifo', [{ name: 'fifo', type: '6' }]],
  ['unsupported type contiguous', [{ name: 'contiguous', type: '7' }]],
  ['unsupported type sparse', [{ name: 'sparse', type: 'S', gnu: true }]],
  ['through symlink l/x', [{ name: 'l', type: '2', linkname: '/etc' }, { name: 'l/x' }]],
  ['through symlink l/x', [{ name: 'l', type: '2', linkname: '.' }, { name: './l/x' }]],
  [
    'through symlink a/l/b/c',
    [
      { name: 'a/l', type: '2', linkname: 'x' },
      { name: 'a/l/b/c', type: '5' },
    ],
  ],
  [
    'through symlink l/x',
    [{ name: 'l', type: '2', linkname: 'd' }, { name: 'l', type: '5' }, { name: 'l/x' }],
  ],
  ['link escapes x', [{ name: 'x', type: '1', linkname: '/etc/shadow' }]],
  ['link escapes x', [{ name: 'f' }, { name: 'x', type: '1', linkname: 'd/../f' }]],
  ['link escapes x', [{ name: 'x', type: '1', linkname: 'later' }, { name: 'later' }]],
  [
    'link escapes x',
    [
      { name: 'd', type: '5' },
      { name: 'x', type: '1', linkname: 'd' },
    ],
  ],
  [
    'link escapes x',
    [
      { name: 's', type: '2', linkname: '/etc/shadow' },
      { name: 'x', type: '1', linkname: 's' },
    ],
  ],
  [
    'link escapes x',
    [
      { name: 'f' },
      { name: 'f', type: '2', linkname: '/etc/shadow' },
      { name: 'x', type: '1', linkname: 'f' },
    ],
  ],
  ['link escapes x', [{ name: 'x', type: '1', linkname: '' }]],
];
