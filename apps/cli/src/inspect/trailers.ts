import { X509Certificate } from 'node:crypto';
import {
  isSigningError,
  oneLine,
  pemBlocks,
  readTrailers,
  type TrailerMetadata,
} from '@ucvm/signing';

// Signature trailers (build.md §7 "Signing"): what they say and who signed, read with
// @ucvm/signing. `ucvm inspect` does not verify (that is `ucvm verify`); a damaged trailer is
// reported, not fatal, and the image is then inspected as the whole file.

export interface TrailerReport {
  state: 'signed' | 'damaged';
  /** "not verified — use ucvm verify", or what is wrong with the trailer. */
  note: string;
  /** Length of the image before the trailers (the file length for a damaged trailer). */
  imageLength: number;
  metadata?: TrailerMetadata;
  certificate?: {
    subject: string;
    issuer: string;
    validFrom: string;
    validTo: string;
    serialNumber: string;
    fingerprint256: string;
  };
  /** Subjects of the further certificates of the chain. */
  chain: string[];
}

/** The trailers of `bytes`, or undefined for an unsigned file. */
export function readImageTrailers(bytes: Uint8Array): TrailerReport | undefined {
  let t: ReturnType<typeof readTrailers>;
  try {
    t = readTrailers(bytes);
  } catch (e) {
    if (!isSigningError(e)) throw e;
    return { state: 'damaged', note: e.message, imageLength: bytes.length, chain: [] };
  }
  if (!t) return undefined;
  const report: TrailerReport = {
    state: 'signed',
    note: 'not verified — use ucvm verify',
    imageLength: t.imageLength,
    metadata: t.metadata,
    chain: [],
  };
  pemBlocks(t.signature.certificate).forEach((pem, i) => {
    let c: X509Certificate;
    try {
      c = new X509Certificate(pem);
    } catch (e) {
      report.note += `; certificate ${i + 1} does not parse (${(e as Error).message})`;
      return;
    }
    if (i > 0) {
      report.chain.push(oneLine(c.subject));
      return;
    }
    report.certificate = {
      subject: oneLine(c.subject),
      issuer: oneLine(c.issuer),
      validFrom: new Date(c.validFrom).toISOString(),
      validTo: new Date(c.validTo).toISOString(),
      serialNumber: c.serialNumber,
      fingerprint256: c.fingerprint256,
    };
  });
  return report;
}
