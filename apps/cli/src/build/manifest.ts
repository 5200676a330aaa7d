import type { BuildFormat } from './derived.js';
import type { BuildInputs } from './inputs.js';

/** One product in manifest.json (build.md §1). */
export interface ManifestOutput {
  name: string;
  size: number;
  sha256: string;
  kind: 'initrd' | 'update-pack' | 'image' | 'sbom';
  branch?: string;
  format?: BuildFormat;
  /** Set on images carrying signature trailers (build.md §7 "Signing"): who signed. */
  signed?: true;
  signer?: { subject: string; fingerprint256: string };
}

export interface BuildManifest {
  manifestVersion: 1;
  strongVersion: string;
  ucernvmVersion: string;
  release: number;
  arch: string;
  /** True when the CernVM-FS client is the test stand-in (build.md §4): not for production. */
  cvmfsStandin: boolean;
  sourceDateEpoch: number;
  configDigest: string;
  compression: string;
  kernel: { component: string; version: string };
  inputs: {
    name: string;
    role: string;
    version: string;
    strongVersion: string;
    source: string;
    sha256: string;
    size: number;
  }[];
  outputs: ManifestOutput[];
  tools: Record<string, string>;
}

/**
 * The manifest (build.md §1). Deterministic: no times, no host paths of the output or cache,
 * everything sorted, so two builds of the same inputs write the same bytes.
 */
export function manifest(args: {
  inputs: BuildInputs;
  plan: { compression: string; tools: Record<string, string> };
  kernelVersion: string;
  kernelComponent: string;
  outputs: readonly ManifestOutput[];
  /** Tool versions known only to the pipeline (node, zlib, ucvm). */
  extraTools: Record<string, string>;
}): BuildManifest {
  const { inputs } = args;
  const byName = (a: { name: string }, b: { name: string }) =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
  const tools = { ...args.plan.tools, ...args.extraTools };
  return {
    manifestVersion: 1,
    strongVersion: inputs.strong,
    ucernvmVersion: inputs.config.version,
    release: inputs.config.release,
    arch: inputs.config.arch,
    cvmfsStandin: inputs.cvmfsStandin,
    sourceDateEpoch: inputs.sourceDateEpoch,
    configDigest: inputs.loaded.digest,
    compression: args.plan.compression,
    kernel: { component: args.kernelComponent, version: args.kernelVersion },
    inputs: inputs.components
      .map((c) => ({
        name: c.name,
        role: c.role,
        version: c.version,
        strongVersion: c.strongVersion,
        source:
          c.role === 'cvmfs' && inputs.cvmfsStandin
            ? 'TEST STAND-IN test-vm/fixtures/cvmfs-standin (not the CernVM-FS client)'
            : c.source,
        sha256: c.sha256,
        size: c.size,
      }))
      .sort(byName),
    outputs: [...args.outputs].sort(byName),
    tools: Object.fromEntries(Object.entries(tools).sort(([a], [b]) => (a < b ? -1 : 1))),
  };
}
