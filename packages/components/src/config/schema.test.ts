import { describe, expect, it } from 'vitest';
import { ComponentsError } from '../errors.js';
import { branchParameters, defaultConfig } from './default.js';
import { type ConfigIssue, validateConfig } from './schema.js';

function issuesOf(input: unknown): ConfigIssue[] {
  try {
    validateConfig(input, 'test.json');
  } catch (err) {
    expect(err).toBeInstanceOf(ComponentsError);
    expect((err as ComponentsError).exitCode).toBe(2);
    return (err as ComponentsError & { issues: ConfigIssue[] }).issues;
  }
  throw new Error('expected the config to be refused');
}

const clone = () =>
  structuredClone(defaultConfig) as Record<string, unknown> & typeof defaultConfig;

describe('the default configuration', () => {
  it('is valid and has the nine branches of the original', () => {
    const cfg = validateConfig(defaultConfig);
    expect(cfg.branches.map((b) => b.name)).toEqual([
      'prod',
      'v3prod',
      'v4prod',
      'v3testing',
      'v4testing',
      'devel',
      'sl7',
      'slc4',
      'slc5',
    ]);
    expect(cfg.formats).toEqual(['iso', 'hdd', 'fat']);
    expect(cfg.components.find((c) => c.name === 'cvmfs')?.role).toBe('cvmfs');
    expect(cfg.components.filter((c) => c.role === 'kernel')).toHaveLength(1);
    for (const c of cfg.components) expect(c.source.kind).toBe('apt');
  });

  it('writes branch kernel parameters with one CDN separator', () => {
    const cfg = validateConfig(defaultConfig);
    const prod = cfg.branches.find((b) => b.name === 'prod')!;
    expect(branchParameters(prod)).toEqual([
      ['cvmfs_repos', 'cernvm-prod.cern.ch'],
      ['cvmfs_server', 'hepvm.cern.ch,cvmfs-stratum-one.cern.ch'],
      ['cvmfs_cdn', 'cvmfs-cdn-1.cern.ch,cvmfs-cdn-2.cern.ch'],
      ['cernvm_path', 'cvm4'],
    ]);
    const slc4 = cfg.branches.find((b) => b.name === 'slc4')!;
    expect(Object.fromEntries(branchParameters(slc4))).toMatchObject({
      cvmfs_cdn: 'NONE',
      cvmfs_repository_tag: 'slc4-final',
    });
  });
});

describe('validation errors name the field, the value and what is allowed', () => {
  it('bad enum value', () => {
    const cfg = clone();
    cfg.compression = 'bzip2' as never;
    expect(issuesOf(cfg)).toEqual([
      { path: 'compression', value: '"bzip2"', allowed: 'one of xz, gzip, zstd' },
    ]);
  });

  it('bad sha256 and missing url pin, with array indices in the path', () => {
    const cfg = clone();
    cfg.components = [
      ...cfg.components!,
      {
        name: 'extra',
        version: '1.0',
        source: { kind: 'url', url: 'https://example.org/x.tar.gz' },
      },
      { name: 'extra2', version: '1.0', source: { kind: 'path', path: './x' }, sha256: 'ABC' },
    ];
    const n = cfg.components.length;
    expect(issuesOf(cfg)).toEqual([
      {
        path: `components[${n - 1}].sha256`,
        value: '"ABC"',
        allowed: '64 lowercase hexadecimal digits (a sha256)',
      },
      {
        path: `components[${n - 2}].sha256`,
        value: 'missing value',
        allowed: 'required for a url source: the sha256 of the file at the URL',
      },
    ]);
    cfg.components[n - 1]!.sha256 = undefined;
    expect(issuesOf(cfg)).toEqual([
      {
        path: `components[${n - 2}].sha256`,
        value: 'missing value',
        allowed: 'required for a url source: the sha256 of the file at the URL',
      },
    ]);
  });

  it('unknown keys, bad source kind, duplicate names, bad FQRN', () => {
    const cfg = clone();
    cfg.branches = [
      { name: 'prod', repository: 'cernvm prod', servers: ['hepvm.cern.ch'], cdns: [] } as never,
      { name: 'prod', repository: 'cernvm-prod.cern.ch', servers: ['hepvm.cern.ch'] },
    ];
    cfg.components = [{ name: 'x', version: '1', source: { kind: 'git' } } as never];
    const issues = issuesOf(cfg);
    const byPath = Object.fromEntries(issues.map((i) => [i.path, i]));
    expect(byPath['components[0].source.kind']).toMatchObject({
      value: '"git"',
      allowed: 'a source kind: one of "url", "apt", "path"',
    });
    expect(byPath['branches[0]']).toMatchObject({ value: 'key(s) "cdns"' });
    expect(byPath['branches[0]']!.allowed).toContain('name, repository, servers, cdn, path, tag');
    expect(byPath['branches[0].repository']).toMatchObject({
      value: '"cernvm prod"',
      allowed: 'a fully qualified repository name such as cernvm-prod.cern.ch',
    });
  });

  it('duplicates are found after the fields are valid', () => {
    const cfg = clone();
    cfg.branches = [
      { name: 'prod', repository: 'cernvm-prod.cern.ch', servers: ['hepvm.cern.ch'] },
      { name: 'prod', repository: 'cernvm-prod.cern.ch', servers: ['hepvm.cern.ch'] },
    ];
    expect(issuesOf(cfg)).toEqual([
      {
        path: 'branches[1]',
        value: expect.any(String),
        allowed: 'unique branch names; "prod" appears twice',
      },
    ]);
  });

  it('the message lists every issue on its own line', () => {
    const cfg = clone();
    cfg.release = 0;
    cfg.arch = 'aarch64' as never;
    try {
      validateConfig(cfg, 'ucvm.config.ts');
      expect.unreachable();
    } catch (err) {
      const e = err as ComponentsError;
      expect(e.code).toBe('CONFIG_INVALID');
      expect(e.message).toContain('ucvm.config.ts: 2 invalid field(s)');
      expect(e.message).toContain('release: 0 is not allowed; expected a positive integer');
      expect(e.message).toContain('arch: "aarch64" is not allowed; expected x86_64');
    }
  });

  it('fills defaults of components and branches', () => {
    const cfg = clone();
    cfg.branches = [{ name: 'b', repository: 'a.b.c', servers: ['h'] }];
    const out = validateConfig(cfg);
    expect(out.branches[0]).toEqual({
      name: 'b',
      repository: 'a.b.c',
      servers: ['h'],
      cdn: [],
      path: '',
      tag: null,
    });
  });
});

describe('signing (build.md §7 "Signing")', () => {
  const withSigning = (signing: unknown) => ({ ...clone(), signing });

  it('accepts a key or a command with a certificate, and defaults the signer deadline', () => {
    const local = validateConfig(
      withSigning({ key: 'k.pem', certificate: 'c.pem', caBundle: 'ca.pem' }),
    );
    expect(local.signing).toEqual({
      key: 'k.pem',
      certificate: 'c.pem',
      caBundle: 'ca.pem',
      timeoutSeconds: 60,
    });
    const cmd = validateConfig(
      withSigning({
        command: ['./sign.sh', '--slot', '1'],
        certificate: 'c.pem',
        timeoutSeconds: 5,
        subject: 'CN=x, O=y',
      }),
    );
    expect(cmd.signing).toMatchObject({
      command: ['./sign.sh', '--slot', '1'],
      timeoutSeconds: 5,
      subject: 'CN=x, O=y',
    });
  });

  it('names the field, the value and what is allowed', () => {
    expect(issuesOf(withSigning({ certificate: 'c.pem' }))).toEqual([
      {
        path: 'signing',
        value: '{"certificate":"c.pem"}',
        allowed: 'a "key" file or a signer "command"',
      },
    ]);
    expect(issuesOf(withSigning({ key: 'k.pem' }))).toEqual([
      {
        path: 'signing.certificate',
        value: 'missing value',
        allowed: 'required with "key" or "command": the PEM certificate of the signing key',
      },
    ]);
    expect(issuesOf(withSigning({ key: 'k.pem', command: ['s'], certificate: 'c.pem' }))).toEqual([
      { path: 'signing.command', value: '["s"]', allowed: 'either "key" or "command", not both' },
    ]);
    const bad = issuesOf(
      withSigning({
        command: [],
        certificate: 'c.pem',
        timeoutSeconds: 0,
        subject: 'nobody',
        ca: 'x',
      }),
    );
    const byPath = Object.fromEntries(bad.map((i) => [i.path, i]));
    expect(byPath.signing).toMatchObject({ value: 'key(s) "ca"' });
    expect(byPath.signing!.allowed).toBe(
      'only the keys key, certificate, command, timeoutSeconds, caBundle, subject',
    );
    expect(byPath['signing.command']).toMatchObject({
      value: '[]',
      allowed: expect.stringMatching(/^at least 1 argv strings/),
    });
    expect(byPath['signing.timeoutSeconds']).toEqual({
      path: 'signing.timeoutSeconds',
      value: '0',
      allowed: 'a whole number of seconds from 1 to 3600',
    });
    expect(byPath['signing.subject']).toMatchObject({
      value: '"nobody"',
      allowed: 'a certificate subject such as "CN=image signer, O=CERN"',
    });
  });
});
