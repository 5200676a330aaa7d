import { createHash } from 'node:crypto';
import { execa } from 'execa';
import { pemBlocks } from './certs.js';
import { SigningError } from './errors.js';
import type { Signer } from './sign.js';

/**
 * A signer that runs a configured command (for keys in an HSM, a smartcard or a signing
 * service). The contract:
 * - argv is the configured list (no shell); the working directory is `cwd`;
 * - stdin: the exact message to sign (the image followed by its 32 KiB metadata block);
 * - environment: UCVM_SIGN_SHA256 = the message's SHA-256 (hex), UCVM_SIGN_SIZE = its length,
 *   for signers that sign a digest;
 * - stdout: the raw signature, nothing else — RSA PKCS#1 v1.5 or DER ECDSA over SHA-256, i.e.
 *   what `openssl dgst -sha256 -sign KEY` prints;
 * - exit status 0; it is killed after `timeoutMs`.
 * The signature is then checked against the certificate (sign.ts), so a wrong key fails.
 */
export function commandSigner(opts: {
  command: readonly string[];
  /** PEM: the certificate of the command's key (then intermediates). */
  certificate: string;
  timeoutMs: number;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}): Signer {
  const [file, ...args] = opts.command;
  if (!file) {
    throw new SigningError(
      'SIGNER_FAILED',
      'the signer command is empty',
      'set signing.command to an argv list such as ["./sign.sh"]',
      2,
    );
  }
  const shown = opts.command.join(' ');
  return {
    certificate: pemBlocks(opts.certificate).join(''),
    sign: async (message) => {
      const r = await execa(file, args, {
        input: message,
        encoding: 'buffer',
        stripFinalNewline: false,
        timeout: opts.timeoutMs,
        reject: false,
        cwd: opts.cwd,
        extendEnv: true,
        env: {
          ...opts.env,
          UCVM_SIGN_SHA256: createHash('sha256').update(message).digest('hex'),
          UCVM_SIGN_SIZE: String(message.length),
        },
        maxBuffer: 1 << 20,
      });
      const stderr = Buffer.from(r.stderr ?? new Uint8Array())
        .toString()
        .trim()
        .slice(-500);
      if (r.timedOut) {
        throw new SigningError(
          'SIGNER_TIMEOUT',
          `the signer command \`${shown}\` did not finish within ${opts.timeoutMs / 1000} s`,
          'check that it does not wait for input (a PIN prompt) or raise signing.timeoutSeconds',
        );
      }
      if (r.failed) {
        throw new SigningError(
          'SIGNER_FAILED',
          `the signer command \`${shown}\` failed: ${r.code === 'ENOENT' ? 'not found' : r.exitCode !== undefined ? `exit status ${r.exitCode}` : r.shortMessage}${stderr ? `; it said: ${stderr}` : ''}`,
          'run the command by hand with the image on stdin; it must print the raw signature and exit 0',
        );
      }
      const sig = Buffer.from(r.stdout ?? new Uint8Array());
      if (sig.length === 0) {
        throw new SigningError(
          'SIGNER_FAILED',
          `the signer command \`${shown}\` printed no signature`,
          'it must print the raw signature on stdout (e.g. openssl dgst -sha256 -sign KEY)',
        );
      }
      return sig;
    },
  };
}
