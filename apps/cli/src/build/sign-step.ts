import { createHash } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { Branch, LoadedConfig } from '@ucvm/components';
import { writeImageFile } from '@ucvm/images';
import {
  commandSigner,
  localSigner,
  type Signer,
  type SignerIdentity,
  signerIdentity,
  signImage,
} from '@ucvm/signing';
import { CliError } from '../errors.js';
import type { BuildFormat } from './derived.js';

/**
 * Signature trailers in `ucvm build` (build.md §7 "Signing"). The images that carry a trailer:
 * iso and hdd as in the original, and hvm (a raw disk too). The unsigned image is written to
 * a private temporary name, signed, and the signed file lands under the final name atomically;
 * the product's .sha256 is computed afterwards, so it covers the signed file. Derived formats
 * are made from a fresh, unsigned hdd of their own (derived.ts), never from a signed file, so
 * none carries a stale trailer.
 */
export const SIGNED_FORMATS: readonly BuildFormat[] = ['iso', 'hdd', 'hvm'];

export interface BuildSigning {
  signer: Signer;
  identity: SignerIdentity;
  /** Digest of the signing setup (certificate, key or command): part of a signed product's key. */
  digest: string;
}

/** What manifest.json records for a signed output. */
export interface SignedOutputMeta {
  signed: true;
  signer: { subject: string; fingerprint256: string };
}

async function readConfigured(baseDir: string, path: string, field: string): Promise<string> {
  const abs = resolve(baseDir, path);
  try {
    return await readFile(abs, 'utf8');
  } catch (e) {
    throw new CliError(
      'E_SIGNING_FILE',
      `signing.${field}: cannot read ${abs} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
      `fix signing.${field} in the configuration (relative paths start at the config file's directory)`,
      2,
    );
  }
}

/** The configured signer, checked before anything is built; undefined when signing is off. */
export async function loadSigning(loaded: LoadedConfig): Promise<BuildSigning | undefined> {
  const cfg = loaded.config.signing;
  if (!cfg?.certificate) return undefined;
  const certificate = await readConfigured(loaded.baseDir, cfg.certificate, 'certificate');
  const identity = signerIdentity(certificate, resolve(loaded.baseDir, cfg.certificate));
  const hash = createHash('sha256').update(certificate);
  let signer: Signer;
  if (cfg.key) {
    const key = await readConfigured(loaded.baseDir, cfg.key, 'key');
    signer = localSigner({
      key,
      certificate,
      keyName: resolve(loaded.baseDir, cfg.key),
      certificateName: resolve(loaded.baseDir, cfg.certificate),
    });
    hash.update('\0key\0').update(key);
  } else {
    const command = cfg.command ?? [];
    signer = commandSigner({
      command,
      certificate,
      timeoutMs: cfg.timeoutSeconds * 1000,
      cwd: loaded.baseDir,
    });
    hash.update('\0command\0').update(JSON.stringify(command));
  }
  return { signer, identity, digest: hash.digest('hex') };
}

/**
 * The signing hook for one image product, or undefined when it is not signed: the product key
 * that also covers the signer, the manifest fields, and the writer that signs.
 */
export function signStep(
  signing: BuildSigning | undefined,
  format: BuildFormat,
  branch: Branch,
  strong: string,
):
  | {
      key: (base: string) => string;
      manifest: SignedOutputMeta;
      wrap: (write: (path: string) => Promise<void>) => (path: string) => Promise<void>;
    }
  | undefined {
  if (!signing || !SIGNED_FORMATS.includes(format)) return undefined;
  const metadata = {
    'ucernvm-version': strong,
    'os-repo': branch.repository,
    snapshot: branch.tag ?? 'HEAD',
  };
  return {
    key: (base) => createHash('sha256').update(`${base}\0signed\0${signing.digest}`).digest('hex'),
    manifest: {
      signed: true,
      signer: {
        subject: signing.identity.subject,
        fingerprint256: signing.identity.fingerprint256,
      },
    },
    wrap: (write) => async (path) => {
      // `.<name>.unsigned.ucvm-tmp-<pid>`: removed by removeStaleTemporaries after a crash.
      const unsigned = join(dirname(path), `.${basename(path)}.unsigned.ucvm-tmp-${process.pid}`);
      try {
        await write(unsigned);
        const image = await readFile(unsigned);
        const { chunks } = await signImage(image, metadata, signing.signer);
        await writeImageFile(path, chunks);
      } finally {
        await rm(unsigned, { force: true });
      }
    },
  };
}
