export { isSigningError, SigningError, type SigningErrorCode } from './errors.js';
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
