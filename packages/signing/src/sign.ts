import {
  createHash,
  createPrivateKey,
  createPublicKey,
  createSign,
  createVerify,
  type KeyObject,
  type X509Certificate,
} from 'node:crypto';
import { oneLine, parseCertificates, pemBlocks } from './certs.js';
import { SigningError } from './errors.js';
import { HOWTO_VERIFY } from './howto.js';
import { encodeMetadataBlock, encodeSignatureBlock, type TrailerMetadata } from './trailer.js';

/**
 * Signing (build.md §7 "Signing"). What is signed: the image bytes followed by the 32 KiB
 * metadata block (trailer.ts), as one message, hashed with SHA-256 and signed with the key of
 * the certificate: RSA PKCS#1 v1.5 (deterministic: same inputs, same bytes) or ECDSA with a
 * DER signature (random nonce: the signature block differs between runs; Node's OpenSSL 3.0
 * offers no RFC 6979 nonces). Both are what `openssl dgst -sha256 -sign/-verify` makes and
 * checks, which is what the `howto-verify` steps use.
 */

export interface Signer {
  /** PEM: the signing certificate first, then intermediates. Goes into the signature block. */
  certificate: string;
  /** The raw signature (PKCS#1 v1.5 for RSA, DER for ECDSA) over `message`. */
  sign(message: Uint8Array): Promise<Uint8Array>;
}

/** Who signed, as recorded in manifest.json and printed by `ucvm verify`. */
export interface SignerIdentity {
  /** `CN=…, O=…` in the certificate's order. */
  subject: string;
  /** SHA-256 fingerprint of the signing certificate, `AB:CD:…`. */
  fingerprint256: string;
  /** `rsa` (deterministic signatures) or `ec` (ECDSA: a fresh signature each run). */
  keyType: 'rsa' | 'ec';
}

/** The signing certificate (first of the chain), its key type checked. */
function leafOf(
  certificatePem: string,
  what: string,
): { cert: X509Certificate; keyType: 'rsa' | 'ec' } {
  const cert = parseCertificates(certificatePem, what)[0] as X509Certificate;
  const type = cert.publicKey.asymmetricKeyType;
  if (type !== 'rsa' && type !== 'ec') {
    throw new SigningError(
      'KEY_UNSUPPORTED',
      `${what}: the certificate's key is ${type ?? 'of an unknown type'}; RSA or ECDSA keys are supported`,
      'use an RSA key (deterministic signatures) or an ECDSA key',
      2,
    );
  }
  return { cert, keyType: type };
}

export function signerIdentity(certificatePem: string, what = 'certificate'): SignerIdentity {
  const { cert, keyType } = leafOf(certificatePem, what);
  return { subject: oneLine(cert.subject), fingerprint256: cert.fingerprint256, keyType };
}

const spki = (k: KeyObject) => k.export({ type: 'spki', format: 'der' });

/**
 * A signer with a local PEM private key (unencrypted) and its certificate (PEM, optionally
 * followed by intermediates). `keyName`/`certificateName` name the files in errors.
 */
export function localSigner(opts: {
  key: string;
  certificate: string;
  keyName?: string;
  certificateName?: string;
}): Signer {
  const keyName = opts.keyName ?? 'the signing key';
  const certName = opts.certificateName ?? 'the signing certificate';
  let key: KeyObject;
  try {
    key = createPrivateKey(opts.key);
  } catch (e) {
    throw new SigningError(
      'KEY_INVALID',
      `${keyName} is not an unencrypted PEM private key (${(e as Error).message})`,
      'give an unencrypted PEM key (openssl pkey -in KEY -out KEY.pem), or use a signer command for keys held elsewhere',
      2,
    );
  }
  if (key.asymmetricKeyType !== 'rsa' && key.asymmetricKeyType !== 'ec') {
    throw new SigningError(
      'KEY_UNSUPPORTED',
      `${keyName} is a ${key.asymmetricKeyType} key; RSA or ECDSA keys are supported`,
      'use an RSA key (deterministic signatures) or an ECDSA key',
      2,
    );
  }
  const { cert } = leafOf(opts.certificate, certName);
  if (!spki(createPublicKey(key)).equals(spki(cert.publicKey))) {
    throw new SigningError(
      'KEY_CERTIFICATE_MISMATCH',
      `${keyName} is not the key of ${certName} (${oneLine(cert.subject)})`,
      'give the certificate issued for this key (the first certificate of the file is the signing one)',
      2,
    );
  }
  return {
    certificate: pemBlocks(opts.certificate).join(''),
    sign: async (message) => createSign('sha256').update(message).sign(key),
  };
}

/** True when `signature` is a valid SHA-256 signature of `chunks` by `cert`'s key. */
export function checkSignature(
  chunks: readonly Uint8Array[],
  signature: Uint8Array,
  cert: X509Certificate,
): boolean {
  const v = createVerify('sha256');
  for (const c of chunks) v.update(c);
  try {
    return v.verify(cert.publicKey, signature);
  } catch {
    return false; // e.g. a DER signature that does not parse
  }
}

export interface SignedTrailers {
  metadataBlock: Uint8Array;
  signatureBlock: Uint8Array;
  signer: SignerIdentity;
}

/**
 * The two trailer blocks for `image`. The signature is checked against the certificate before
 * it is written, so a signer (command) that signs with another key fails here, not later.
 */
export async function signTrailers(
  image: Uint8Array,
  metadata: TrailerMetadata,
  signer: Signer,
): Promise<SignedTrailers> {
  const metadataBlock = encodeMetadataBlock(metadata);
  const { cert, keyType } = leafOf(signer.certificate, 'the signing certificate');
  const message = Buffer.concat([image, metadataBlock]);
  const signature = await signer.sign(message);
  if (!checkSignature([message], signature, cert)) {
    throw new SigningError(
      'SIGNER_BAD_SIGNATURE',
      `the signer's ${signature.length}-byte signature (sha256 of the message ${createHash('sha256').update(message).digest('hex')}) does not verify with the key of ${oneLine(cert.subject)}`,
      'the signer must sign the SHA-256 of the bytes it is given, with the key of the configured certificate, and print the raw signature',
      1,
    );
  }
  const signatureBlock = encodeSignatureBlock({
    certificate: signer.certificate,
    signature: Buffer.from(signature).toString('base64'),
    'howto-verify': HOWTO_VERIFY,
  });
  return {
    metadataBlock,
    signatureBlock,
    signer: { subject: oneLine(cert.subject), fingerprint256: cert.fingerprint256, keyType },
  };
}

/** The signed file's chunks: the image, then the two blocks. */
export async function signImage(
  image: Uint8Array,
  metadata: TrailerMetadata,
  signer: Signer,
): Promise<{ chunks: Uint8Array[]; signer: SignerIdentity }> {
  const t = await signTrailers(image, metadata, signer);
  return { chunks: [image, t.metadataBlock, t.signatureBlock], signer: t.signer };
}
