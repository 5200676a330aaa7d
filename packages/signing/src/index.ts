export {
  type ChainResult,
  oneLine,
  parseCertificates,
  pemBlocks,
  subjectMatches,
  subjectPairs,
  verifyChain,
} from './certs.js';
export { isSigningError, SigningError, type SigningErrorCode } from './errors.js';
export { HOWTO_VERIFY } from './howto.js';
export {
  checkSignature,
  localSigner,
  type SignedTrailers,
  type Signer,
  type SignerIdentity,
  signerIdentity,
  signImage,
  signTrailers,
} from './sign.js';
export { commandSigner } from './signer-command.js';
export {
  encodeMetadataBlock,
  encodeSignatureBlock,
  readTrailers,
  type SignatureBlock,
  TRAILER_BLOCK_SIZE,
  TRAILER_SIZE,
  type TrailerMetadata,
  type Trailers,
} from './trailer.js';
export {
  type CheckStatus,
  type TrailerCheck,
  type TrailerCheckName,
  type TrailerFailure,
  type TrailerVerification,
  type VerifyOptions,
  verifyTrailers,
} from './verify.js';
