// The user-data pipeline of userdata.md §2: §4 decoding → §5 blocks → §6 values → §7 merge,
// plus §9 extra user data and §10 glideinWMS. Never throws on any input bytes.
import { KeyCollector } from './blocks.js';
import { detectGlidein } from './glidein.js';
import { gunzip, isGzip } from './gzip.js';
import { MAX_GUNZIP_BYTES, MAX_INPUT_BYTES } from './limits.js';
import { decodeTextUnits } from './mime.js';
import { LF, stripBom } from './text.js';
import { WarningList } from './warnings.js';

export type { UserdataWarning, WarningCode } from './warnings.js';

import type { UserdataWarning } from './warnings.js';

export interface InputResult {
  /** Number of blocks opened (§5.1). */
  blocks: number;
  keys: Map<string, string>;
}

export interface ParseInput {
  /** User data from the metadata source. */
  user?: Uint8Array;
  /** `/cernvm/extra-user-data` chunks in device order (§9.1). */
  extra?: Uint8Array[];
}

export interface ParseResult {
  user: InputResult & { glideinwms: boolean };
  extra: InputResult;
  /** User map overlaid by the extra map (§7.4). */
  effective: Map<string, string>;
  /** User warnings (glideinWMS last), then extra warnings (§11.3). */
  warnings: UserdataWarning[];
  /** The joined extra chunks (§9.2); present when `extra` was given. */
  extraUserData?: Uint8Array;
}

interface ParsedInput extends InputResult {
  /** The bytes after §4.2, or null when the input was over the size limit. */
  decoded: Uint8Array | null;
}

/** §4–§7 for one input. */
function parseInput(bytes: Uint8Array, warnings: WarningList): ParsedInput {
  const warn = warnings.add.bind(warnings);
  if (bytes.length > MAX_INPUT_BYTES) {
    warn('W_TOO_LARGE', 0, 0);
    return { blocks: 0, keys: new Map(), decoded: null };
  }
  let decoded = bytes;
  if (isGzip(bytes)) {
    const unzipped = gunzip(bytes, MAX_GUNZIP_BYTES);
    if (unzipped === null) warn('W_GZIP', 0, 0);
    else decoded = unzipped;
  }
  const collector = new KeyCollector(warn);
  for (const unit of decodeTextUnits(decoded, warn)) collector.scan(unit);
  return { blocks: collector.blocks, keys: collector.keys, decoded };
}

/**
 * Parses user data and extra user data into key maps, block counts and warnings (§2). Warnings
 * never abort parsing and nothing here throws on any input bytes.
 */
export function parseUserData(input: ParseInput): ParseResult {
  const userWarnings = new WarningList('user');
  const extraWarnings = new WarningList('extra');
  const user = parseInput(input.user ?? new Uint8Array(0), userWarnings);
  const extraUserData = input.extra === undefined ? undefined : joinExtraChunks(input.extra);
  const extra = parseInput(extraUserData ?? new Uint8Array(0), extraWarnings);

  let glideinwms = false;
  if (user.decoded !== null && user.blocks === 0 && extra.keys.get('useglideinwms') !== '0') {
    const glidein = detectGlidein(user.decoded, userWarnings.add.bind(userWarnings));
    glideinwms = glidein.detected;
    for (const [key, value] of glidein.keys) user.keys.set(key, value);
  }

  const result: ParseResult = {
    user: { blocks: user.blocks, glideinwms, keys: user.keys },
    extra: { blocks: extra.blocks, keys: extra.keys },
    effective: new Map([...user.keys, ...extra.keys]),
    warnings: [...userWarnings.items, ...extraWarnings.items],
  };
  if (extraUserData !== undefined) result.extraUserData = extraUserData;
  return result;
}

/** §9.2: each chunk without one leading BOM, LF-terminated when non-empty, concatenated. */
export function joinExtraChunks(chunks: Uint8Array[]): Uint8Array {
  const pieces: Uint8Array[] = [];
  for (const chunk of chunks) {
    const body = stripBom(chunk);
    if (body.length === 0) continue;
    pieces.push(body);
    if (body[body.length - 1] !== LF) pieces.push(Uint8Array.of(LF));
  }
  return new Uint8Array(Buffer.concat(pieces));
}
