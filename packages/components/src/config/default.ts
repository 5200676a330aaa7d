import type { Branch, ComponentInput, UcvmConfigInput } from './types.js';

/**
 * The embedded default configuration (build.md §3): `ucvm build` works with no config file.
 *
 * Components are Debian 12 (bookworm) packages pinned to exact versions (taken from
 * `apt-cache policy` when the pins were last moved; move them with `ucvm fetch --update-lock`
 * after editing). Libraries carry no `initrd` list: the initrd builder takes the ones its
 * binaries need through the ELF closure (build.md §5) from these trees.
 */
const apt = (
  name: string,
  version: string,
  initrd: string[] = [],
  role: ComponentInput['role'] = 'initrd',
): ComponentInput => ({ name, version, release: 1, role, source: { kind: 'apt' }, initrd });

const XEN = '4.17.7+13-g2445b30a44-0+deb12u1';
const UTIL_LINUX = '2.38.1-5+deb12u3';
const E2FS = '1.47.0-2+b2';
const SYSLINUX = '3:6.04~git20190206.bf6db5b4+dfsg1-3';

export const defaultComponents: ComponentInput[] = [
  apt('busybox-static', '1:1.35.0-4+deb12u1+b1', ['bin/busybox']),
  apt('e2fsprogs', E2FS, [
    'sbin/mke2fs',
    'sbin/e2fsck',
    'sbin/tune2fs',
    'sbin/resize2fs',
    'sbin/e2label',
  ]),
  apt('libext2fs2', E2FS),
  apt('libcom-err2', E2FS),
  apt('libblkid1', UTIL_LINUX),
  apt('libuuid1', UTIL_LINUX),
  apt('fdisk', UTIL_LINUX, ['sbin/sfdisk']),
  apt('libfdisk1', UTIL_LINUX),
  apt('libsmartcols1', UTIL_LINUX),
  apt('libreadline8', '8.2-1.3'),
  apt('libtinfo6', '6.4-4'),
  // blkid/wipefs/partx for 02-devices and 10-scratch (busybox's applets lack what the init needs).
  apt('util-linux', UTIL_LINUX, ['sbin/blkid', 'sbin/wipefs', 'usr/bin/partx']),
  // getfattr reads the repository's root hash xattr (14-cvmfs); setfattr clears opaque marks (15-rebase).
  apt('attr', '1:2.5.1-4', ['usr/bin/getfattr', 'usr/bin/setfattr']),
  apt('libattr1', '1:2.5.1-4'),
  // Unix-socket client for the CernVM-FS control socket: busybox nc has no -U.
  apt('netcat-openbsd', '1.219-1', ['bin/nc.openbsd']),
  apt('libbsd0', '0.11.7-2'),
  apt('libmd0', '1.0.4-2'),
  apt('kexec-tools', '1:2.0.25-3+deb12u3', ['sbin/kexec']),
  // Debian's kexec links libxenctrl; these are its dependency closure.
  apt('libxenmisc4.17', XEN),
  apt('libxentoollog1', XEN),
  apt('libxentoolcore1', XEN),
  apt('libxencall1', XEN),
  apt('libxenevtchn1', XEN),
  apt('libxengnttab1', XEN),
  apt('libxenforeignmemory1', XEN),
  apt('libxendevicemodel1', XEN),
  apt('libc6', '2.36-9+deb12u14'),
  apt('zlib1g', '1:1.2.13.dfsg-1'),
  apt('liblzma5', '5.4.1-1+deb12u2'),
  apt('libzstd1', '1.5.4+dfsg2-5'),
  apt('libfuse3-3', '3.14.0-4'),
  apt('ca-certificates', '20250419~deb12u2', ['usr/share/ca-certificates/mozilla/*.crt']),
  // The exact image package that linux-image-amd64 depends on.
  apt('linux-image-6.1.0-56-amd64', '6.1.192-2', [], 'kernel'),
  apt('syslinux', `${SYSLINUX}+b1`, [], 'bootloader'),
  apt('isolinux', SYSLINUX, [], 'bootloader'),
  apt('syslinux-common', SYSLINUX, [], 'bootloader'),
  apt('grub-efi-amd64-bin', '2.06-13+deb12u2', [], 'bootloader'),
  // The official CernVM-FS client (build.md §4), from the host's apt sources. Where apt does not
  // have it, fetching stops and says how to provide it: `--component cvmfs=PATH`.
  apt(
    'cvmfs',
    '2.12.7',
    ['usr/bin/cvmfs2', 'usr/lib/libcvmfs_fuse3*.so*', 'usr/lib/libcvmfs_fuse*stub*.so*'],
    'cvmfs',
  ),
];

/**
 * The original's nine branches (its `branch2*` table). The table itself is not available
 * here: names mirror the original's (`cernvm-<branch>.cern.ch`, CernVM 3 under `cvm3`,
 * CernVM 4 under `cvm4`); hosts are the runtime default `hepvm.cern.ch` plus the CERN
 * Stratum-1. Only prod-like branches use the CDN.
 */
const S1 = ['hepvm.cern.ch', 'cvmfs-stratum-one.cern.ch'];
const CDN = ['cvmfs-cdn-1.cern.ch', 'cvmfs-cdn-2.cern.ch'];
export const defaultBranches: Branch[] = [
  {
    name: 'prod',
    repository: 'cernvm-prod.cern.ch',
    servers: S1,
    cdn: CDN,
    path: 'cvm4',
    tag: null,
  },
  {
    name: 'v3prod',
    repository: 'cernvm-prod.cern.ch',
    servers: S1,
    cdn: CDN,
    path: 'cvm3',
    tag: null,
  },
  {
    name: 'v4prod',
    repository: 'cernvm-prod.cern.ch',
    servers: S1,
    cdn: CDN,
    path: 'cvm4',
    tag: null,
  },
  {
    name: 'v3testing',
    repository: 'cernvm-testing.cern.ch',
    servers: S1,
    cdn: [],
    path: 'cvm3',
    tag: null,
  },
  {
    name: 'v4testing',
    repository: 'cernvm-testing.cern.ch',
    servers: S1,
    cdn: [],
    path: 'cvm4',
    tag: null,
  },
  {
    name: 'devel',
    repository: 'cernvm-devel.cern.ch',
    servers: S1,
    cdn: [],
    path: 'cvm4',
    tag: null,
  },
  { name: 'sl7', repository: 'cernvm-sl7.cern.ch', servers: S1, cdn: [], path: 'cvm4', tag: null },
  {
    name: 'slc4',
    repository: 'cernvm-slc4.cern.ch',
    servers: S1,
    cdn: [],
    path: 'cvm3',
    tag: 'slc4-final',
  },
  {
    name: 'slc5',
    repository: 'cernvm-slc5.cern.ch',
    servers: S1,
    cdn: [],
    path: 'cvm3',
    tag: 'slc5-final',
  },
];

export const defaultConfig: UcvmConfigInput = {
  version: '2026.11',
  release: 1,
  arch: 'x86_64',
  components: defaultComponents,
  branches: defaultBranches,
  formats: ['iso', 'hdd', 'fat'],
  cmdline: {
    options: ['root=first', 'noresume', 'quiet', 'loglevel=1', 'panic=-1'],
    debug: ['cvmdebug', 'console=tty0', 'console=ttyS0,115200', 'loglevel=7'],
  },
  compression: 'xz',
  outDir: 'dist',
};

/** Kernel parameters of one branch (runtime.md §2), CDN hosts joined with `,` or `NONE`. */
export function branchParameters(branch: Branch): [string, string][] {
  const params: [string, string][] = [
    ['cvmfs_repos', branch.repository],
    ['cvmfs_server', branch.servers.join(',')],
    ['cvmfs_cdn', branch.cdn.length > 0 ? branch.cdn.join(',') : 'NONE'],
  ];
  if (branch.path) params.push(['cernvm_path', branch.path]);
  if (branch.tag) params.push(['cvmfs_repository_tag', branch.tag]);
  return params;
}
