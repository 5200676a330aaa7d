// Public API of @ucvm/userdata (spec: shared/spec/userdata.md §12).

export { decodeAzureCustomData } from './azure.js';
export { decodeStrictBase64 } from './base64.js';
export { UserdataError } from './errors.js';
export type { InjectCheckResult, InjectMember } from './inject.js';
export { checkInjectArchive } from './inject.js';
export type { OpenNebulaResult, OpenNebulaWarning } from './opennebula.js';
export {
  formatOpenNebulaVars,
  formatOpenNebulaWarnings,
  parseOpenNebulaContext,
} from './opennebula.js';
export type {
  InputResult,
  ParseInput,
  ParseResult,
  UserdataWarning,
  WarningCode,
} from './parse.js';
export { joinExtraChunks, parseUserData } from './parse.js';
export type { ReadResult, ReadWarning } from './reader.js';
export { formatReadWarnings, readUcontext } from './reader.js';
export { renderBlock } from './render.js';
export { formatWarnings, serializeUcontext, toCanonicalJson } from './serialize.js';
export type { KeyType, ValidationResult } from './values.js';
export { KNOWN_KEYS, validateKey } from './values.js';
