// Size and count limits of userdata.md §13.

const MiB = 1024 * 1024;

/** One input (user data, or joined extra user data), §4.1. */
export const MAX_INPUT_BYTES = 16 * MiB;
/** gzip output, whole payload or leaf, §4.2 and §4.3 item 6. */
export const MAX_GUNZIP_BYTES = 16 * MiB;
/** One decoded MIME leaf / all leaves together, §4.3 items 6–7. */
export const MAX_LEAF_BYTES = 16 * MiB;
export const MAX_LEAVES_TOTAL_BYTES = 64 * MiB;
/** MIME nesting levels (the top level counts as 1) and leaves, §4.3 items 5 and 7. */
export const MAX_MIME_DEPTH = 3;
export const MAX_LEAVES = 64;
/** Distinct keys per input, §7.2. */
export const MAX_KEYS = 256;
/** Warnings per input before one W_TOO_MANY_WARNINGS, §13. */
export const MAX_WARNINGS = 1000;
