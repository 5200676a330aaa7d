// Public API of @ucvm/userdata (spec: shared/spec/userdata.md §12).
export { parseUserData, joinExtraChunks } from './parse.js';
export type { ParseInput, ParseResult, InputResult, UserdataWarning, WarningCode } from './parse.js';
export { serializeUcontext, toCanonicalJson, formatWarnings } from './serialize.js';
export { renderBlock } from './render.js';
export { validateKey, KNOWN_KEYS } from './values.js';
export type { KeyType, ValidationResult } from './values.js';
export { readUcontext, formatReadWarnings } from './reader.js';
export type { ReadResult, ReadWarning } from './reader.js';
export { parseOpenNebulaContext, formatOpenNebulaVars, formatOpenNebulaWarnings } from './opennebula.js';
export type { OpenNebulaResult, OpenNebulaWarning } from './opennebula.js';
export { decodeAzureCustomData } from './azure.js';
export { checkInjectArchive } from './inject.js';
export type { InjectCheckResult, InjectMember } from './inject.js';
export { decodeStrictBase64 } from './base64.js';
export { UserdataError } from './errors.js';
