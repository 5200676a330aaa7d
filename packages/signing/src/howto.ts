import { TRAILER_BLOCK_SIZE, TRAILER_SIZE } from './trailer.js';

/**
 * The `howto-verify` text of the signature block: a POSIX sh script (prose as comments) that
 * checks the file with coreutils, sed and openssl only, so nobody needs ucvm to trust an image.
 * It relies on the layout written by trailer.ts: one key per line, `certificate` and
 * `signature` lines ending in `",`, the PEM's line breaks written as `\n` in the JSON.
 * Every check exits non-zero on failure, so `sh -e` stops at the first one that fails.
 */
export const HOWTO_VERIFY = [
  '# Verify this signed µCernVM image by hand (POSIX sh, coreutils, sed, openssl).',
  '# In an empty directory, set F to the image file and CA to the CA bundle you trust (PEM):',
  '#   F=/path/to/ucernvm-prod.<version>.iso; CA=/path/to/ca-bundle.pem',
  '# then run the lines below (as a script: sh -e); each check fails with a non-zero status.',
  `# Layout: the last ${TRAILER_SIZE} bytes are two ${TRAILER_BLOCK_SIZE}-byte blocks, zero-padded JSON:`,
  '# the metadata (ucernvm-version, os-repo, snapshot), then this signature block.',
  '# Signed: SHA-256 over everything before the signature block (the image + the metadata).',
  'N=$(wc -c < "$F")',
  `tail -c ${TRAILER_BLOCK_SIZE} "$F" | tr -d '\\000' > sig.json`,
  `head -c $((N - ${TRAILER_BLOCK_SIZE})) "$F" > signed.bin`,
  `tail -c ${TRAILER_SIZE} "$F" | head -c ${TRAILER_BLOCK_SIZE} | tr -d '\\000' > metadata.json`,
  'cat metadata.json',
  `sed -n 's/^  "certificate": "\\(.*\\)",$/\\1/p' sig.json | sed 's/\\\\n/\\n/g' > cert.pem`,
  `sed -n 's/^  "signature": "\\(.*\\)",$/\\1/p' sig.json | openssl base64 -d -A > sig.bin`,
  '# 1. The certificate chains up to your CA (cert.pem may carry intermediates after the first).',
  'openssl verify -CAfile "$CA" -untrusted cert.pem cert.pem',
  '# 2. Who signed: compare this subject with the one you expect.',
  'openssl x509 -in cert.pem -noout -subject -fingerprint -sha256',
  '# 3. The signature over the image and its metadata ("Verified OK").',
  'openssl x509 -in cert.pem -noout -pubkey > pub.pem',
  'openssl dgst -sha256 -verify pub.pem -signature sig.bin signed.bin',
  '',
].join('\n');
