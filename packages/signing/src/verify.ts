import type { X509Certificate } from 'node:crypto';
import { oneLine, parseCertificates, subjectMatches, subjectPairs, verifyChain } from './certs.js';
import { isSigningError } from './errors.js';
import { checkSignature, type SignerIdentity } from './sign.js';
import { readTrailers, type Trailers } from './trailer.js';

/** What `verifyTrailers` checked, one entry per check, in order. */
export type TrailerCheckName = 'trailer' | 'signature' | 'chain' | 'subject';
export type CheckStatus = 'pass' | 'fail' | 'skipped';
export type TrailerFailure =
  | 'NO_TRAILER'
  | 'TRAILER_TRUNCATED'
  | 'TRAILER_BAD_JSON'
  | 'CERTIFICATE_INVALID'
  | 'SIGNATURE_BAD'
  | 'CHAIN_UNTRUSTED'
  | 'CERT_EXPIRED'
  | 'CERT_NOT_YET_VALID'
  | 'NO_CA_BUNDLE'
  | 'SUBJECT_MISMATCH';

export interface TrailerCheck {
  name: TrailerCheckName;
  status: CheckStatus;
  /** Set when the check failed or was skipped. */
  code?: TrailerFailure;
  message: string;
}

export interface TrailerVerification {
  /** True when a trailer was found (intact or not). */
  present: boolean;
  /**
   * True when the signature is valid over the image and its metadata, the certificate chains
   * to a CA of the bundle and is valid at the check time, and the subject matches (when one is
   * expected). Without a CA bundle nothing says who signed, so `ok` is false.
   */
  ok: boolean;
  checks: TrailerCheck[];
  trailers?: Trailers;
  signer?: SignerIdentity;
}

export interface VerifyOptions {
  /** PEM text of the trusted CA certificates. Without it the chain check is skipped (not ok). */
  caBundle?: string;
  /** Subject the signing certificate must have, e.g. `CN=µCernVM release, O=CERN`. */
  expectedSubject?: string;
  /** The time certificates must be valid at; default now. */
  at?: Date;
}

/**
 * Checks the trailers of a (possibly) signed image (build.md §7, §8 `ucvm verify`). Throws only
 * for bad options (CA_BUNDLE_INVALID, exit code 2); everything wrong with the file is a failed
 * check with a stable code.
 */
export function verifyTrailers(bytes: Uint8Array, opts: VerifyOptions = {}): TrailerVerification {
  const roots =
    opts.caBundle !== undefined
      ? parseCertificates(opts.caBundle, 'the CA bundle', 'CA_BUNDLE_INVALID')
      : undefined;
  const at = opts.at ?? new Date();
  const checks: TrailerCheck[] = [];
  const done = (extra: Partial<TrailerVerification> = {}): TrailerVerification => ({
    present: true,
    ok: checks.every(
      (c) => c.status === 'pass' || (c.name === 'subject' && c.status === 'skipped'),
    ),
    checks,
    ...extra,
  });

  let trailers: Trailers | undefined;
  try {
    trailers = readTrailers(bytes);
  } catch (e) {
    if (!isSigningError(e)) throw e;
    checks.push({
      name: 'trailer',
      status: 'fail',
      code: e.code as TrailerFailure,
      message: e.message,
    });
    return done();
  }
  if (!trailers) {
    checks.push({
      name: 'trailer',
      status: 'fail',
      code: 'NO_TRAILER',
      message: 'no signature trailer: the file does not end with a 32 KiB signature block',
    });
    return done({ present: false });
  }
  const t = trailers;
  let certs: X509Certificate[];
  try {
    certs = parseCertificates(t.signature.certificate, 'the trailer');
  } catch (e) {
    checks.push({
      name: 'trailer',
      status: 'fail',
      code: 'CERTIFICATE_INVALID',
      message: (e as Error).message,
    });
    return done({ trailers: t });
  }
  const leaf = certs[0] as X509Certificate;
  const signer: SignerIdentity = {
    subject: oneLine(leaf.subject),
    fingerprint256: leaf.fingerprint256,
    keyType: leaf.publicKey.asymmetricKeyType === 'ec' ? 'ec' : 'rsa',
  };
  checks.push({
    name: 'trailer',
    status: 'pass',
    message: `${t.metadata['ucernvm-version']}, ${t.metadata['os-repo']} at ${t.metadata.snapshot}; image ${t.imageLength} bytes`,
  });

  // Base64 may be wrapped (as `openssl base64` writes it); anything else is not a signature.
  const base64 = t.signature.signature.replace(/\s+/g, '');
  const signature = Buffer.from(base64, 'base64');
  const signedOk =
    /^[A-Za-z0-9+/]+={0,2}$/.test(base64) &&
    checkSignature([bytes.subarray(0, t.signatureOffset)], signature, leaf);
  checks.push(
    signedOk
      ? {
          name: 'signature',
          status: 'pass',
          message: `valid SHA-256 ${signer.keyType === 'ec' ? 'ECDSA' : 'RSA'} signature over the image and its metadata (bytes 0..${t.signatureOffset})`,
        }
      : {
          name: 'signature',
          status: 'fail',
          code: 'SIGNATURE_BAD',
          message: `the signature does not match the image and its metadata (bytes 0..${t.signatureOffset}) for the key of ${signer.subject}: the file was changed after signing`,
        },
  );

  if (!roots) {
    checks.push({
      name: 'chain',
      status: 'skipped',
      code: 'NO_CA_BUNDLE',
      message: `not checked: no CA bundle given, so nothing says who ${signer.subject} is`,
    });
  } else {
    const chain = verifyChain(leaf, certs.slice(1), roots, at);
    checks.push(
      chain.ok
        ? {
            name: 'chain',
            status: 'pass',
            message: `trusted: ${chain.path.map((c) => oneLine(c.subject)).join(' <- ')}; valid at ${at.toISOString()}`,
          }
        : { name: 'chain', status: 'fail', code: chain.code, message: chain.message },
    );
  }

  if (opts.expectedSubject === undefined) {
    checks.push({
      name: 'subject',
      status: 'skipped',
      message: `not asked; signed by ${signer.subject}`,
    });
  } else if (subjectMatches(leaf, opts.expectedSubject)) {
    checks.push({ name: 'subject', status: 'pass', message: signer.subject });
  } else {
    checks.push({
      name: 'subject',
      status: 'fail',
      code: 'SUBJECT_MISMATCH',
      message: `signed by ${signer.subject}, expected ${subjectPairs(opts.expectedSubject).join(', ')}`,
    });
  }
  return done({ trailers: t, signer });
}
