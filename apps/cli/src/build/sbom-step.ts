import { createHash } from 'node:crypto';
import {
  decompress,
  type InitrdResult,
  initrdSbom,
  type SbomComponentInput,
  sbomFilesFromInitrd,
} from '@ucvm/initrd';
import { CLI_VERSION } from '../version.js';
import type { BuildInputs } from './inputs.js';

// `sbom.cdx.json` (build.md §1 "SBOM"): the initrd's contents by component. The file digests
// are read back from the initrd as written (decompressed cpio); the attribution of each file
// to a component comes from the build's entry summaries (`result`).

/** Debian's name of an architecture, for apt package URLs. */
const DEB_ARCH: Record<string, string> = { x86_64: 'amd64' };

export async function sbomText(args: {
  inputs: BuildInputs;
  initrdName: string;
  /** The initrd file's bytes. */
  initrd: Uint8Array;
  /** The summaries of a build of that initrd. */
  result: InitrdResult;
  kernelComponent: string;
}): Promise<string> {
  const { inputs } = args;
  const components: SbomComponentInput[] = inputs.components
    .filter((c) => c.role === 'initrd' || c.role === 'cvmfs' || c.role === 'kernel')
    .map((c) => ({
      name: c.name,
      version: c.version,
      role: c.role,
      source: c.source,
      sha256: c.sha256,
      ...(c.role === 'cvmfs' && inputs.cvmfsStandin ? { standin: true } : {}),
    }));
  const files = sbomFilesFromInitrd(args.result.entries, await decompress(args.initrd));
  const bom = initrdSbom({
    initrd: {
      name: args.initrdName,
      sha256: createHash('sha256').update(args.initrd).digest('hex'),
      version: inputs.strong,
    },
    components,
    files,
    kernelComponent: args.kernelComponent,
    tool: { name: 'ucvm', version: CLI_VERSION },
    sourceDateEpoch: inputs.sourceDateEpoch,
    debArch: DEB_ARCH[inputs.config.arch] ?? inputs.config.arch,
  });
  return `${JSON.stringify(bom, null, 2)}\n`;
}
