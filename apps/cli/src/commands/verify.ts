import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { loadConfig } from '@ucvm/components';
import {
  readTrailers,
  type SignerIdentity,
  type TrailerCheck,
  verifyTrailers,
} from '@ucvm/signing';
import type { Command } from 'commander';
import { CliError } from '../errors.js';
import type { CliIo } from '../io.js';
import { CommandFailed } from '../main.js';
import { readInputFile } from '../read-input.js';

/**
 * `ucvm verify FILE` (build.md §8): the file's `FILE.sha256` (sha256sum -c format) when there is
 * one, then its signature trailers when it has them (@ucvm/signing). Exit 0 when every check
 * made passed; 1 when one failed, or when nothing could be checked (no .sha256 and no trailer),
 * or when a trailer's signer could not be checked against a CA bundle; 2 for usage errors.
 */
interface VerifyOptions {
  ca?: string;
  subject?: string;
  config?: string;
  json?: boolean;
  howto?: boolean;
}

export interface VerifyCheck {
  name: 'sha256' | TrailerCheck['name'];
  status: TrailerCheck['status'];
  code?: string;
  message: string;
}

/** The `.sha256` check: `<hex>  <name>` lines (text or `*` binary mode), the file's own line. */
export function checkSha256(
  bytes: Uint8Array,
  file: string,
  sumText: string | undefined,
): VerifyCheck {
  const sumName = `${basename(file)}.sha256`;
  if (sumText === undefined) {
    return {
      name: 'sha256',
      status: 'skipped',
      code: 'NO_SHA256_FILE',
      message: `no ${sumName} beside the file`,
    };
  }
  const lines = sumText
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const entry = lines
    .map((l) => /^([0-9a-fA-F]{64}) [ *](.+)$/.exec(l))
    .find((m) => m?.[2] === basename(file));
  if (!entry) {
    return {
      name: 'sha256',
      status: 'fail',
      code: 'SHA256_FILE_INVALID',
      message: `${sumName} has no "<sha256>  ${basename(file)}" line (sha256sum format)`,
    };
  }
  const want = (entry[1] as string).toLowerCase();
  const have = createHash('sha256').update(bytes).digest('hex');
  return have === want
    ? { name: 'sha256', status: 'pass', message: `matches ${sumName} (${have})` }
    : {
        name: 'sha256',
        status: 'fail',
        code: 'SHA256_MISMATCH',
        message: `the file's sha256 is ${have}; ${sumName} says ${want}`,
      };
}

async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

export function registerVerify(program: Command, io: CliIo): void {
  program
    .command('verify')
    .description(
      'check an image: FILE.sha256 when present, then its signature trailers (signature, certificate chain to a CA bundle, subject); exit 0 all passed, 1 a check failed or nothing was verified',
    )
    .argument('<file>', 'an image (iso, hdd, …) or any product with a .sha256 beside it')
    .option(
      '--ca <bundle>',
      'PEM CA bundle to trust (default: signing.caBundle of the configuration)',
    )
    .option(
      '--subject <subject>',
      'expected signer subject, e.g. "CN=image signer, O=CERN" (default: signing.subject)',
    )
    .option('--config <file>', 'configuration file for the signing.caBundle/subject defaults')
    .option('--json', 'print the checks as JSON')
    .option(
      '--howto',
      "print the trailer's howto-verify steps (verify by hand with openssl) and stop",
    )
    .action(async (file: string, opts: VerifyOptions) => {
      const path = resolve(io.cwd, file);
      const bytes = await readInputFile(io.cwd, file, 2 ** 31 - 1);
      if (opts.howto) {
        const steps = readTrailers(bytes)?.signature['howto-verify'];
        if (!steps) {
          throw new CliError(
            'E_NO_TRAILER',
            `${path} has no signature trailer with howto-verify steps`,
            'only signed images carry them',
            1,
          );
        }
        io.stdout(steps.endsWith('\n') ? steps : `${steps}\n`);
        return;
      }
      const loaded =
        opts.ca === undefined || opts.subject === undefined
          ? await loadConfig({ ...(opts.config ? { path: opts.config } : {}), cwd: io.cwd })
          : undefined;
      const signing = loaded?.config.signing;
      const caPath =
        opts.ca !== undefined
          ? resolve(io.cwd, opts.ca)
          : signing?.caBundle && loaded
            ? resolve(loaded.baseDir, signing.caBundle)
            : undefined;
      let caBundle: string | undefined;
      if (caPath) {
        caBundle = await readOptional(caPath);
        if (caBundle === undefined) {
          throw new CliError(
            'E_CA_BUNDLE',
            `the CA bundle ${caPath} does not exist`,
            'give a PEM file of trusted CA certificates with --ca',
            2,
          );
        }
      }
      const expectedSubject = opts.subject ?? signing?.subject;

      const checks: VerifyCheck[] = [
        checkSha256(bytes, path, await readOptional(`${path}.sha256`)),
      ];
      const t = verifyTrailers(bytes, {
        ...(caBundle !== undefined ? { caBundle } : {}),
        ...(expectedSubject !== undefined ? { expectedSubject } : {}),
      });
      if (t.present) checks.push(...t.checks);
      else
        checks.push({
          name: 'trailer',
          status: 'skipped',
          code: 'NO_TRAILER',
          message: 'no signature trailer',
        });

      const verdict = judge(checks);
      if (opts.json) {
        io.stdout(
          `${JSON.stringify(
            {
              file: path,
              ok: verdict.ok,
              result: verdict.text,
              checks,
              ...(t.signer ? { signer: t.signer } : {}),
              ...(t.trailers
                ? { metadata: t.trailers.metadata, imageLength: t.trailers.imageLength }
                : {}),
            },
            null,
            2,
          )}\n`,
        );
      } else io.stdout(render(path, checks, verdict, t.signer));
      if (!verdict.ok) throw new CommandFailed(1);
    });
}

/** All checks made passed, and something was verified; a skipped chain is a failure to trust. */
export function judge(checks: readonly VerifyCheck[]): { ok: boolean; text: string } {
  const failed = checks.filter((c) => c.status === 'fail');
  if (failed.length > 0)
    return { ok: false, text: `FAIL: ${failed.map((c) => c.name).join(', ')}` };
  const passed = checks.filter((c) => c.status === 'pass').map((c) => c.name);
  if (passed.length === 0) {
    return { ok: false, text: 'NOTHING VERIFIED: no .sha256 file and no signature trailer' };
  }
  if (checks.some((c) => c.name === 'chain' && c.status === 'skipped')) {
    return {
      ok: false,
      text: 'NOT TRUSTED: the signature is intact but no CA bundle was given (--ca or signing.caBundle)',
    };
  }
  return { ok: true, text: `PASS: ${passed.join(', ')}` };
}

function render(
  path: string,
  checks: readonly VerifyCheck[],
  verdict: { ok: boolean; text: string },
  signer: SignerIdentity | undefined,
): string {
  const out = [`verify ${path}`];
  for (const c of checks) {
    const status = c.status === 'pass' ? 'ok' : c.status === 'fail' ? 'FAILED' : 'skipped';
    out.push(
      `  ${c.name.padEnd(9)} ${status.padEnd(7)} ${c.code ? `[${c.code}] ` : ''}${c.message}`,
    );
  }
  if (signer)
    out.push(`  signer    ${signer.subject}, sha256 fingerprint ${signer.fingerprint256}`);
  out.push(`result: ${verdict.text}`);
  return `${out.join('\n')}\n`;
}
