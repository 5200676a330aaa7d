// Azure CustomData.bin envelope (userdata.md §3.1).
import { decodeStrictBase64Bytes } from './base64.js';

/**
 * Returns the user data carried by an Azure `CustomData.bin`: after removing every CR and LF,
 * a non-empty strict base64 text is decoded; anything else (text with a space, `#`, a block
 * marker, …, or an empty file) is returned unchanged.
 */
export function decodeAzureCustomData(bytes: Uint8Array): Uint8Array {
  const rest = bytes.filter((c) => c !== 0x0d && c !== 0x0a);
  // SP and TAB are not in the §3.1 alphabet; the shared decoder would silently drop them.
  if (rest.length === 0 || rest.some((c) => c === 0x20 || c === 0x09)) return bytes;
  return decodeStrictBase64Bytes(rest) ?? bytes;
}
