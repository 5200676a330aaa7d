import { X509Certificate } from 'node:crypto';
import { SigningError } from './errors.js';

/** The PEM blocks of one label (`CERTIFICATE`) in a text, in order. */
export function pemBlocks(text: string, label = 'CERTIFICATE'): string[] {
  const re = new RegExp(`-----BEGIN ${label}-----[^-]+-----END ${label}-----`, 'g');
  return (text.match(re) ?? []).map((b) => `${b}\n`);
}

/** Parses every certificate of a PEM text; `what` names the text in errors. */
export function parseCertificates(
  pem: string,
  what: string,
  code: 'CERTIFICATE_INVALID' | 'CA_BUNDLE_INVALID' = 'CERTIFICATE_INVALID',
): X509Certificate[] {
  const blocks = pemBlocks(pem);
  if (blocks.length === 0) {
    throw new SigningError(
      code,
      `${what} holds no PEM certificate (no -----BEGIN CERTIFICATE----- block)`,
      'give a PEM file such as `openssl x509 -outform PEM` writes',
      2,
    );
  }
  return blocks.map((b, i) => {
    try {
      return new X509Certificate(b);
    } catch (e) {
      throw new SigningError(
        code,
        `${what}: certificate ${i + 1} of ${blocks.length} does not parse (${(e as Error).message})`,
        'check the file with `openssl x509 -in FILE -noout -text`',
        2,
      );
    }
  });
}

/**
 * A subject as a sorted list of `KEY=value`, from Node's form (`C=CH\nCN=x`), openssl's
 * `/C=CH/CN=x` or `C = CH, CN = x`. Values holding `,` `/` or a line break are not supported.
 */
export function subjectPairs(subject: string): string[] {
  const s = subject.trim();
  const parts = s.startsWith('/') ? s.slice(1).split('/') : s.split(/\n|,/);
  return parts
    .map((p) => p.trim())
    .filter((p) => p.length > 0)
    .map((p) => {
      const eq = p.indexOf('=');
      return eq < 0 ? p : `${p.slice(0, eq).trim().toUpperCase()}=${p.slice(eq + 1).trim()}`;
    })
    .sort();
}

/** True when `cert`'s subject has exactly the attributes of `expected` (order-insensitive). */
export function subjectMatches(cert: X509Certificate, expected: string): boolean {
  const want = subjectPairs(expected);
  const have = subjectPairs(cert.subject);
  return want.length > 0 && want.length === have.length && want.every((w, i) => w === have[i]);
}

/** One line: `CN=x, O=y` in the certificate's order. */
export const oneLine = (subject: string) =>
  subject
    .split('\n')
    .map((p) => p.trim())
    .filter(Boolean)
    .join(', ');

export type ChainFailure = 'CHAIN_UNTRUSTED' | 'CERT_EXPIRED' | 'CERT_NOT_YET_VALID';
export type ChainResult =
  | { ok: true; path: X509Certificate[] }
  | { ok: false; code: ChainFailure; message: string };

const MAX_DEPTH = 8;

/** Is `cert` valid at `at`? */
function validity(cert: X509Certificate, at: Date, role: string): ChainResult | undefined {
  const from = new Date(cert.validFrom);
  const to = new Date(cert.validTo);
  if (at < from) {
    return {
      ok: false,
      code: 'CERT_NOT_YET_VALID',
      message: `the ${role} certificate (${oneLine(cert.subject)}) is valid only from ${from.toISOString()}; the check time is ${at.toISOString()}`,
    };
  }
  if (at > to) {
    return {
      ok: false,
      code: 'CERT_EXPIRED',
      message: `the ${role} certificate (${oneLine(cert.subject)}) expired at ${to.toISOString()}; the check time is ${at.toISOString()}`,
    };
  }
  return undefined;
}

/**
 * Builds a path leaf → intermediates (from the trailer) → a CA of the bundle: each step checks
 * the issuer's name (checkIssued), its signature on the child (verify), that the issuer is a
 * CA, and each certificate's validity dates at `at`.
 */
export function verifyChain(
  leaf: X509Certificate,
  intermediates: readonly X509Certificate[],
  roots: readonly X509Certificate[],
  at: Date,
): ChainResult {
  const path = [leaf];
  let current = leaf;
  const leafValidity = validity(leaf, at, 'signing');
  if (leafValidity) return leafValidity;
  // A signing certificate placed in the bundle itself is trusted as it is (pinning).
  if (roots.some((r) => r.fingerprint256 === leaf.fingerprint256)) return { ok: true, path };
  for (let depth = 0; depth < MAX_DEPTH; depth++) {
    const issuedBy = (c: X509Certificate) =>
      c.ca && current.checkIssued(c) && current.verify(c.publicKey);
    const root = roots.find(issuedBy);
    if (root) {
      const v = validity(root, at, 'CA');
      if (v) return v;
      path.push(root);
      return { ok: true, path };
    }
    const next = intermediates.find((c) => !path.includes(c) && issuedBy(c));
    if (!next) break;
    const v = validity(next, at, 'intermediate');
    if (v) return v;
    path.push(next);
    current = next;
  }
  return {
    ok: false,
    code: 'CHAIN_UNTRUSTED',
    message: `no CA of the bundle issued ${path.length > 1 ? `the chain ending in (${oneLine(current.subject)})` : 'the signing certificate'} (issuer ${oneLine(current.issuer)})`,
  };
}
