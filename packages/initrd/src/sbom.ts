import { createHash } from 'node:crypto';
import type { InitrdEntrySummary } from './assemble.js';
import { readNewc } from './cpio/newc.js';
import { InitrdError } from './errors.js';

// The initrd's software bill of materials (build.md §1 "SBOM": the initrd's contents by
// component) as CycloneDX 1.5 JSON. Every component that went into the initrd is listed with
// its version, its package URL and the sha256 of its source archive, and, nested as `file`
// components, every file, symlink and hard link it contributed, each file with its sha256 as
// stored in the initrd. The kernel component owns the kernel modules; the init scripts and
// the files ucvm itself writes (/version, /etc/ucvm/*) belong to the `ucvm` component.
// Deterministic: no clock but SOURCE_DATE_EPOCH, the serial number a name-based UUID of the
// initrd's digest, every list sorted.

export const SBOM_NAME = 'sbom.cdx.json';

export interface SbomComponentInput {
  name: string;
  version: string;
  /** `initrd`, `cvmfs` or `kernel` (the config's roles). */
  role: string;
  /** Source identity: `apt:PKG=VER`, `url:URL` or `path:PATH`. */
  source: string;
  /** sha256 of the source archive (or tree digest of a path source). */
  sha256: string;
  /** True for the CernVM-FS test stand-in (build.md §4: stated plainly). */
  standin?: boolean;
}

export interface SbomFile {
  /** Path in the initrd, without a leading slash. */
  path: string;
  /** The staging component that placed it (`kernel-modules`, `init`, `ucvm`, `extra`, or a config component). */
  component: string;
  kind: 'file' | 'symlink' | 'hardlink';
  size: number;
  /** sha256 of the bytes (files and hard links). */
  sha256?: string;
  /** Symlink target, or the path a hard link shares its data with. */
  target?: string;
}

export interface InitrdSbomOptions {
  initrd: { name: string; sha256: string; version: string };
  components: readonly SbomComponentInput[];
  files: readonly SbomFile[];
  /** The component whose kernel the modules come from. */
  kernelComponent?: string;
  /** The tool that wrote the initrd (the `ucvm` component's version). */
  tool: { name: string; version: string };
  sourceDateEpoch: number;
  /** Debian architecture of apt purls; default `amd64`. */
  debArch?: string;
}

/** Staging components that are ucvm's own files. */
const UCVM_PARTS = new Set(['init', 'ucvm', 'extra']);

/** Files, symlinks and hard links of the initrd from its cpio and the builder's summaries. */
export function sbomFilesFromInitrd(
  entries: readonly InitrdEntrySummary[],
  cpio: Uint8Array,
): SbomFile[] {
  const records = readNewc(cpio);
  const dataByIno = new Map<number, Uint8Array>();
  for (const r of records) if (r.data.length > 0) dataByIno.set(r.ino, r.data);
  const byPath = new Map(records.map((r) => [r.name, r]));
  const files: SbomFile[] = [];
  for (const e of entries) {
    if (e.kind !== 'file' && e.kind !== 'symlink' && e.kind !== 'hardlink') continue;
    const r = byPath.get(e.path);
    if (!r) {
      throw new InitrdError(
        'BAD_OPTION',
        `the initrd has no entry ${e.path} although its build summary lists one`,
        'pass the summaries of the same build as the initrd',
        1,
      );
    }
    const f: SbomFile = { path: e.path, component: e.component, kind: e.kind, size: e.size };
    if (e.kind === 'symlink') f.target = Buffer.from(r.data).toString('utf8');
    else {
      const data = dataByIno.get(r.ino) ?? new Uint8Array(0);
      f.sha256 = createHash('sha256').update(data).digest('hex');
      f.size = data.length;
      if (e.kind === 'hardlink' && e.target !== undefined) f.target = e.target;
    }
    files.push(f);
  }
  return files;
}

/** RFC 4122 §4.3 name-based UUID (version 5, SHA-1) in the URL namespace. */
function uuidV5(name: string): string {
  const ns = Buffer.from('6ba7b8119dad11d180b400c04fd430c8', 'hex'); // NameSpace_URL
  const h = createHash('sha1').update(ns).update(name).digest();
  h[6] = ((h[6] as number) & 0x0f) | 0x50;
  h[8] = ((h[8] as number) & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

/** purl-spec: percent-encode everything but unreserved characters. */
const enc = (s: string) =>
  encodeURIComponent(s).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );

/** The package URL of a component's source (purl-spec types `deb` and `generic`). */
export function componentPurl(c: SbomComponentInput, debArch = 'amd64'): string | undefined {
  const apt = /^apt:([^=]+)=(.+)$/.exec(c.source);
  if (apt)
    return `pkg:deb/debian/${enc(apt[1] as string)}@${enc(apt[2] as string)}?arch=${debArch}`;
  if (c.source.startsWith('url:') && !c.standin) {
    const url = c.source.slice(4);
    return `pkg:generic/${enc(c.name)}@${enc(c.version)}?download_url=${enc(url)}`;
  }
  return undefined; // a local path names nothing others can fetch
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const prop = (name: string, value: string) => ({ name, value });

function fileComponent(f: SbomFile) {
  const props = [prop('ucvm:kind', f.kind), prop('ucvm:size', String(f.size))];
  if (f.target !== undefined) props.push(prop('ucvm:target', f.target));
  return {
    type: 'file',
    'bom-ref': `file:/${f.path}`,
    name: `/${f.path}`,
    ...(f.sha256 ? { hashes: [{ alg: 'SHA-256', content: f.sha256 }] } : {}),
    properties: props,
  };
}

/** The CycloneDX 1.5 document (a plain object; serialise with JSON.stringify). */
export function initrdSbom(opts: InitrdSbomOptions): Record<string, unknown> {
  const epoch = opts.sourceDateEpoch;
  if (!Number.isSafeInteger(epoch) || epoch < 0) {
    throw new InitrdError(
      'BAD_OPTION',
      `SOURCE_DATE_EPOCH ${epoch} is not whole seconds`,
      undefined,
      2,
    );
  }
  const known = new Set(opts.components.map((c) => c.name));
  if (known.has('ucvm')) {
    throw new InitrdError(
      'BAD_OPTION',
      'a component is named "ucvm", the name of the init',
      'rename it',
      2,
    );
  }
  const owner = (f: SbomFile): string => {
    if (UCVM_PARTS.has(f.component)) return 'ucvm';
    if (f.component === 'kernel-modules' && opts.kernelComponent) return opts.kernelComponent;
    if (known.has(f.component)) return f.component;
    throw new InitrdError(
      'BAD_OPTION',
      `initrd file /${f.path} comes from component ${JSON.stringify(f.component)}, which the SBOM inputs do not list`,
      'pass every component the initrd was built from (and the kernel component for modules)',
      2,
    );
  };
  const filesOf = new Map<string, SbomFile[]>();
  for (const f of opts.files) {
    const o = owner(f);
    filesOf.set(o, [...(filesOf.get(o) ?? []), f]);
  }
  const nested = (name: string) =>
    (filesOf.get(name) ?? []).sort((a, b) => cmp(a.path, b.path)).map(fileComponent);

  const components = [...opts.components]
    .sort((a, b) => cmp(a.name, b.name))
    .map((c) => {
      const purl = componentPurl(c, opts.debArch);
      return {
        type:
          c.role === 'kernel'
            ? 'operating-system'
            : c.name.startsWith('lib')
              ? 'library'
              : 'application',
        'bom-ref': `component:${c.name}`,
        name: c.name,
        version: c.version,
        ...(purl ? { purl } : {}),
        hashes: [{ alg: 'SHA-256', content: c.sha256 }],
        properties: [
          prop('ucvm:role', c.role),
          prop('ucvm:source', c.source),
          ...(c.standin ? [prop('ucvm:cvmfs-standin', 'true')] : []),
        ],
        components: nested(c.name),
      };
    });
  const ucvm = {
    type: 'application',
    'bom-ref': 'component:ucvm',
    name: 'ucvm',
    version: opts.tool.version,
    description: 'the µCernVM init (/init, /lib/ucvm) and the files the build writes',
    components: nested('ucvm'),
  };
  const all = [ucvm, ...components];
  return {
    $schema: 'http://cyclonedx.org/schema/bom-1.5.schema.json',
    bomFormat: 'CycloneDX',
    specVersion: '1.5',
    serialNumber: `urn:uuid:${uuidV5(`ucvm-sbom:${opts.initrd.name}:${opts.initrd.sha256}`)}`,
    version: 1,
    metadata: {
      timestamp: new Date(epoch * 1000).toISOString().replace(/\.000Z$/, 'Z'),
      tools: {
        components: [{ type: 'application', name: opts.tool.name, version: opts.tool.version }],
      },
      component: {
        type: 'file',
        'bom-ref': 'initrd',
        name: opts.initrd.name,
        version: opts.initrd.version,
        hashes: [{ alg: 'SHA-256', content: opts.initrd.sha256 }],
      },
    },
    components: all,
    dependencies: [{ ref: 'initrd', dependsOn: all.map((c) => c['bom-ref']) }],
  };
}
