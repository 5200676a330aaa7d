import { InitrdError } from '../errors.js';
import { readDynamic } from './dynamic.js';
import { type ElfFileHeader, ET_DYN, ET_EXEC, readFileHeader } from './file-header.js';
import { PT_INTERP, readProgramHeaders } from './program-header.js';
import { cString } from './section-header.js';

/** What the library closure needs to know about one executable or shared object. */
export interface ElfDependencies {
  type: number;
  machine: number;
  /** PT_INTERP, e.g. "/lib64/ld-linux-x86-64.so.2"; absent for static binaries. */
  interpreter?: string;
  needed: string[];
  soname?: string;
  rpath: string[];
  runpath: string[];
  hasRunpath: boolean;
}

export function readElfDependencies(bytes: Uint8Array, name: string): ElfDependencies {
  const header: ElfFileHeader = readFileHeader(bytes, name);
  const phdrs =
    header.type === ET_EXEC || header.type === ET_DYN
      ? readProgramHeaders(bytes, header, name)
      : [];
  const interp = phdrs.find((p) => p.type === PT_INTERP);
  if (interp && interp.offset + interp.filesz > bytes.length) {
    throw new InitrdError(
      'ELF_MALFORMED',
      `${name}: PT_INTERP lies outside the file`,
      'the file is truncated or corrupt',
    );
  }
  const dyn = readDynamic(bytes, phdrs, name);
  const out: ElfDependencies = {
    type: header.type,
    machine: header.machine,
    needed: dyn?.needed ?? [],
    rpath: dyn?.rpath ?? [],
    runpath: dyn?.runpath ?? [],
    hasRunpath: dyn?.hasRunpath ?? false,
  };
  if (interp) out.interpreter = cString(bytes, interp.offset, interp.offset + interp.filesz);
  if (dyn?.soname !== undefined) out.soname = dyn.soname;
  return out;
}
