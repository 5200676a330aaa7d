import { z } from 'zod';
import { ComponentsError } from '../errors.js';
import { IMAGE_FORMATS, type UcvmConfig } from './types.js';

/**
 * The configuration schema (build.md §3). Every leaf carries a description of what is allowed,
 * so that an error names the field path, the bad value and the allowed values.
 */

const strict = <S extends z.ZodRawShape>(shape: S) =>
  z.strictObject(shape, {
    error: (iss) =>
      iss.code === 'unrecognized_keys'
        ? `allowed keys: ${Object.keys(shape).join(', ')}`
        : 'an object',
  });

const str = (re: RegExp, allowed: string) =>
  z.string({ error: `a string: ${allowed}` }).regex(re, { error: allowed });

const list = <T extends z.ZodType>(item: T, allowed: string, min = 0) =>
  z
    .array(item, { error: `a list of ${allowed}` })
    .min(min, { error: `at least ${min} ${allowed}` });

const HOST = /^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:[0-9]{1,5})?$/;
const hostList = list(
  str(HOST, 'a host name with optional :port, such as hepvm.cern.ch'),
  'host names',
);
const SHA256 = str(/^[0-9a-f]{64}$/, '64 lowercase hexadecimal digits (a sha256)');
const archiveFormat = z.enum(['deb', 'rpm', 'tar', 'tar.gz', 'tar.xz', 'tar.zst', 'file'], {
  error: 'one of deb, rpm, tar, tar.gz, tar.xz, tar.zst, file',
});

const urlSource = strict({
  kind: z.literal('url'),
  url: str(/^(https?|file):\/\/\S+$/, 'an http://, https:// or file:// URL'),
  format: archiveFormat.optional(),
});
const aptSource = strict({
  kind: z.literal('apt'),
  package: str(/^[a-z0-9][a-z0-9+.-]+$/, 'a Debian package name such as busybox-static').optional(),
});
const pathSource = strict({
  kind: z.literal('path'),
  path: str(/^\S(.*\S)?$/, 'a local file or directory path'),
  format: archiveFormat.optional(),
});
const source = z.discriminatedUnion('kind', [urlSource, aptSource, pathSource], {
  error: 'a source kind: one of "url", "apt", "path"',
});

const component = strict({
  name: str(
    /^[a-z0-9][a-z0-9+._-]*$/,
    'lowercase letters, digits and + . _ - such as busybox-static',
  ),
  version: str(
    /^([0-9]+:)?[A-Za-z0-9][A-Za-z0-9.+~_-]*$/,
    'an exact upstream version such as 1:1.35.0-4+deb12u1 (letters, digits, . + ~ _ -, optional epoch N:)',
  ),
  release: z
    .int({ error: 'a positive integer' })
    .min(1, { error: 'a positive integer' })
    .default(1),
  role: z
    .enum(['initrd', 'kernel', 'cvmfs', 'bootloader'], {
      error: 'one of initrd, kernel, cvmfs, bootloader',
    })
    .default('initrd'),
  source,
  sha256: SHA256.optional(),
  initrd: list(
    str(/^[^/\s][^\s]*$/, 'a relative path or glob inside the component, such as sbin/mke2fs'),
    'paths',
  ).default([]),
});

const branch = strict({
  name: str(/^[a-z0-9][a-z0-9-]*$/, 'lowercase letters, digits and - such as prod'),
  repository: str(
    /^[a-z0-9][a-z0-9-]*(\.[a-z0-9][a-z0-9-]*)+$/,
    'a fully qualified repository name such as cernvm-prod.cern.ch',
  ),
  servers: hostList.min(1, { error: 'at least one Stratum-1 host' }),
  cdn: hostList.default([]),
  path: str(
    /^([A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*)?$/,
    'a relative path such as cvm4 (no leading or trailing /)',
  ).default(''),
  tag: str(/^[A-Za-z0-9._-]+$/, 'a tag name (letters, digits, . _ -) or null')
    .nullable()
    .default(null),
});

// build.md §7 "Signing": a local key or a signer command, each with its certificate; the CA
// bundle and subject are what `ucvm verify` checks against by default.
const filePath = (what: string) => str(/^\S(.*\S)?$/, `a ${what} file path`);
const signing = strict({
  key: filePath('PEM private key (unencrypted, RSA or EC)').optional(),
  certificate: filePath('PEM certificate (the signing certificate, then intermediates)').optional(),
  command: list(
    z.string({ error: 'a string' }).min(1, { error: 'a non-empty string' }),
    'argv strings (no shell), such as ["./sign.sh"]',
    1,
  ).optional(),
  timeoutSeconds: z
    .int({ error: 'a whole number of seconds from 1 to 3600' })
    .min(1, { error: 'a whole number of seconds from 1 to 3600' })
    .max(3600, { error: 'a whole number of seconds from 1 to 3600' })
    .default(60),
  caBundle: filePath('PEM CA bundle').optional(),
  subject: str(/\S=\S/, 'a certificate subject such as "CN=image signer, O=CERN"').optional(),
});

function signingRules(s: z.output<typeof signing>, ctx: z.RefinementCtx): void {
  const issue = (path: (string | number)[], message: string) =>
    ctx.addIssue({ code: 'custom', path: ['signing', ...path], message });
  if (!s.key && !s.command) issue([], 'a "key" file or a signer "command"');
  if (s.key && s.command) issue(['command'], 'either "key" or "command", not both');
  if ((s.key || s.command) && !s.certificate) {
    issue(
      ['certificate'],
      'required with "key" or "command": the PEM certificate of the signing key',
    );
  }
}

const cmdToken = str(/^[^\s"']+$/, 'one kernel option without spaces or quotes, such as quiet');

export const configSchema = strict({
  version: str(/^[0-9][0-9A-Za-z.+~_]*$/, 'a µCernVM version such as 2026.11 (no - or :)'),
  release: z.int({ error: 'a positive integer' }).min(1, { error: 'a positive integer' }),
  arch: z.enum(['x86_64'], { error: 'x86_64' }),
  components: list(component, 'components', 1),
  branches: list(branch, 'branches', 1),
  formats: list(
    z.enum(IMAGE_FORMATS, { error: `one of ${IMAGE_FORMATS.join(', ')}` }),
    'formats',
    1,
  ),
  cmdline: strict({
    options: list(cmdToken, 'kernel options'),
    debug: list(cmdToken, 'kernel options'),
  }),
  compression: z.enum(['xz', 'gzip', 'zstd'], { error: 'one of xz, gzip, zstd' }),
  outDir: str(/^\S(.*\S)?$/, 'a directory path'),
  signing: signing.optional(),
}).superRefine((cfg, ctx) => {
  unique(
    cfg.components.map((c) => c.name),
    ['components'],
    'component names',
    ctx,
  );
  unique(
    cfg.branches.map((b) => b.name),
    ['branches'],
    'branch names',
    ctx,
  );
  unique(cfg.formats, ['formats'], 'formats', ctx);
  cfg.components.forEach((c, i) => {
    // build.md §4: every remote input is pinned by sha256.
    if (c.source.kind === 'url' && c.sha256 === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['components', i, 'sha256'],
        message: 'required for a url source: the sha256 of the file at the URL',
      });
    }
  });
  if (cfg.signing) signingRules(cfg.signing, ctx);
});

function unique(
  values: string[],
  path: (string | number)[],
  what: string,
  ctx: z.RefinementCtx,
): void {
  const seen = new Set<string>();
  values.forEach((v, i) => {
    if (seen.has(v)) {
      ctx.addIssue({
        code: 'custom',
        path: [...path, i],
        message: `unique ${what}; ${JSON.stringify(v)} appears twice`,
      });
    }
    seen.add(v);
  });
}

// The hand-written types and the schema describe the same thing.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
const _sameShape: Same<z.output<typeof configSchema>, UcvmConfig> = true;
void _sameShape;

export interface ConfigIssue {
  /** Field path such as `components[3].sha256`. */
  path: string;
  /** The offending value as JSON (or `missing`). */
  value: string;
  /** What is allowed there. */
  allowed: string;
}

/** Validates a complete configuration; throws CONFIG_INVALID listing every bad field. */
export function validateConfig(input: unknown, origin = 'configuration'): UcvmConfig {
  const result = configSchema.safeParse(input);
  if (result.success) return result.data;
  const issues = result.error.issues.map((iss) => toIssue(input, iss));
  const lines = issues.map((i) => `  ${i.path}: ${i.value} is not allowed; expected ${i.allowed}`);
  const err = new ComponentsError(
    'CONFIG_INVALID',
    `${origin}: ${issues.length} invalid field(s)\n${lines.join('\n')}`,
    'fix the fields named above (README of @ucvm/components lists every field)',
    2,
  );
  Object.assign(err, { issues });
  throw err;
}

function toIssue(input: unknown, iss: z.core.$ZodIssue): ConfigIssue {
  const path = formatPath(iss.path);
  if (iss.code === 'unrecognized_keys') {
    return {
      path: path || '(top level)',
      value: `key(s) ${iss.keys.map((k) => JSON.stringify(k)).join(', ')}`,
      allowed: iss.message.replace(/^allowed keys: /, 'only the keys '),
    };
  }
  return {
    path: path || '(top level)',
    value: describeValue(valueAt(input, iss.path)),
    allowed: iss.message,
  };
}

export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${String(p)}` : String(p);
  return out;
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = input;
  for (const p of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[p];
  }
  return v;
}

function describeValue(v: unknown): string {
  if (v === undefined) return 'missing value';
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}
