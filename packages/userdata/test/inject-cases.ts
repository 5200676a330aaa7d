import { concat, END, type Entry, gnuLong, header, member, pax, tar } from './tar-writer.js';

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

/** Tar streams (before gzip) that §8.2 refuses as `corrupt`, named by what is wrong. */
export const CORRUPT_TAR_CASES: [what: string, tar: Uint8Array][] = [
  ['truncated data', concat(header({ name: 'a', size: 1000 }), new Uint8Array(512))],
  ['no end-of-archive block', member({ name: 'a', data: 'x' })],
  ['partial header', concat(member({ name: 'a' }), new Uint8Array(100))],
  ['empty tar stream', new Uint8Array(0)],
  ['bad checksum', concat(member({ name: 'a', badChecksum: true }), END)],
  ['v7 header without magic', concat(member({ name: 'a', magic: new Uint8Array(8) }), END)],
  ['data after the end block', concat(member({ name: 'a' }), END, member({ name: '/abs' }))],
  ['dangling pax header', concat(member({ name: 'a' }), pax({ path: 'b' }), END)],
  [
    'malformed pax record',
    tar(member({ name: 'P', type: 'x', data: '99 path=a\n' }), { name: 'a' }),
  ],
  ['bad pax size', tar(pax({ size: '-1' }), { name: 'a' })],
  ['NUL in a pax path', tar(pax({ path: 'a\0b' }), { name: 'a' })],
  ['NUL inside a GNU long name', tar(gnuLong('a\0b'), { name: 'a', gnu: true })],
  [
    'pax and GNU names disagree',
    tar(gnuLong('gnu-name'), pax({ path: 'pax-name' }), { name: 'a' }),
  ],
  ['global pax path', tar(pax({ path: 'g' }, 'g'), { name: 'a' })],
  ['data on a symlink', tar({ name: 'l', type: '2', linkname: 't', data: 'x' })],
  ['empty name', tar({ name: '' })],
  ['empty name after ./', tar({ name: './' })],
  ['bad octal', concat(member({ name: 'a' }).fill(0x39, 100, 101), END)],
];
