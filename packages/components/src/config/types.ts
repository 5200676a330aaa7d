/**
 * The typed configuration (build.md §3): the `config.mk` + `branch2*` model of the original.
 * `UcvmConfig` is the validated, complete form; `UcvmConfigInput` is what a config file
 * writes (defaulted fields may be left out; top-level keys left out come from the default).
 */

export type Arch = 'x86_64';
/** Compression of the init ramdisk (build.md §1). */
export type InitrdCompression = 'xz' | 'gzip' | 'zstd';
/** Image formats: the three the original always built, then the derived ones (build.md §1). */
export const IMAGE_FORMATS = [
  'iso',
  'hdd',
  'fat',
  'hvm',
  'gce',
  'vhd',
  'qcow2',
  'vdi',
  'vmdk',
  'ova',
  'box',
] as const;
export type ImageFormat = (typeof IMAGE_FORMATS)[number];
/** How an archive is unpacked; `file` means "use the bytes as they are". */
export type ArchiveFormat = 'deb' | 'rpm' | 'tar' | 'tar.gz' | 'tar.xz' | 'tar.zst' | 'file';
/** What a component is for: the builders pick theirs by role. */
export type ComponentRole = 'initrd' | 'kernel' | 'cvmfs' | 'bootloader';

export interface UrlSource {
  kind: 'url';
  /** http://, https:// or file:// */
  url: string;
  /** Archive format; inferred from the URL's file name when left out. */
  format?: ArchiveFormat;
}
export interface AptSource {
  kind: 'apt';
  /** Debian package name; defaults to the component name. Version = the component version. */
  package?: string;
}
export interface PathSource {
  kind: 'path';
  /** Local file or directory; relative to the config file's directory. */
  path: string;
  format?: ArchiveFormat;
}
export type ComponentSource = UrlSource | AptSource | PathSource;

export interface Component {
  name: string;
  /** Upstream version exactly as the source names it (a Debian version keeps its epoch). */
  version: string;
  /** ucvm's release of this upstream version (the `-<release>.cernvm` part). */
  release: number;
  role: ComponentRole;
  source: ComponentSource;
  /** sha256 of the fetched file; required for `url` sources, optional pin for the others. */
  sha256?: string;
  /** Paths or globs inside the unpacked component that go into the initrd. */
  initrd: string[];
}

export interface Branch {
  name: string;
  /** CernVM-FS repository FQRN (`cvmfs_repos`). */
  repository: string;
  /** Stratum-1 hosts (`cvmfs_server`). */
  servers: string[];
  /** CDN hosts (`cvmfs_cdn`); empty = NONE. Written with `,` on the command line. */
  cdn: string[];
  /** OS path inside the repository (`cernvm_path`), without leading or trailing `/`. */
  path: string;
  /** Repository tag for a fresh mount (`cvmfs_repository_tag`); null = newest. */
  tag: string | null;
}

export interface KernelCmdline {
  /** Fixed options of every boot entry (e.g. `noresume`, `quiet`). */
  options: string[];
  /** Added to the debug entry (e.g. `cvmdebug`, a serial console). */
  debug: string[];
}

/** Signature trailers on iso and hdd (build.md §7 "Signing"); paths relative to the config file. */
export interface Signing {
  /** PEM private key file (local signing; unencrypted RSA or EC). Either this or `command`. */
  key?: string;
  /** PEM certificate of the signing key (then intermediates), written into the signature block. */
  certificate?: string;
  /**
   * External signer command (argv, no shell): gets the message on stdin (and its sha256 in
   * UCVM_SIGN_SHA256), prints the raw signature (README of @ucvm/signing).
   */
  command?: string[];
  /** Deadline of one signer command run, in seconds (default 60). */
  timeoutSeconds: number;
  /** CA bundle `ucvm verify` trusts by default. */
  caBundle?: string;
  /** Subject `ucvm verify` expects by default, e.g. `CN=image signer, O=CERN`. */
  subject?: string;
}

export interface UcvmConfig {
  /** µCernVM version, e.g. `2026.11`. */
  version: string;
  release: number;
  arch: Arch;
  components: Component[];
  branches: Branch[];
  formats: ImageFormat[];
  cmdline: KernelCmdline;
  compression: InitrdCompression;
  outDir: string;
  signing?: Signing;
}

type Opt<T, K extends keyof T> = Omit<T, K> & Partial<Pick<T, K>>;
export type ComponentInput = Opt<Component, 'release' | 'role' | 'initrd'>;
export type BranchInput = Opt<Branch, 'cdn' | 'path' | 'tag'>;
export type SigningInput = Opt<Signing, 'timeoutSeconds'>;
export interface UcvmConfigInput
  extends Partial<Omit<UcvmConfig, 'components' | 'branches' | 'signing'>> {
  components?: ComponentInput[];
  branches?: BranchInput[];
  signing?: SigningInput;
}

/** Identity helper that gives a config file its types (`export default defineConfig({…})`). */
export function defineConfig(config: UcvmConfigInput): UcvmConfigInput {
  return config;
}
