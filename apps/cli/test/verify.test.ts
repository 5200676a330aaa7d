import { execFileSync, spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Branch, LoadedConfig } from '@ucvm/components';
import { readTrailers } from '@ucvm/signing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSigning, signStep } from '../src/build/sign-step.js';
import { type CliTestPki, makeCliTestPki } from './fixtures/pki.js';
import { buildTestEnv, runCli, testBuildArgs } from './run-cli.js';

// Signature trailers end to end (build.md §7 "Signing", §8 `ucvm verify`): ONE `ucvm build`
// with signing configured, then `ucvm verify` and the trailer's own howto-verify steps (sh -e
// with openssl) on the signed products and on copies with one byte flipped.

const EPOCH = '1700000000';
const STRONG = '2026.11-1.cernvm.x86_64.cvmfs-standin';
const work = mkdtempSync(join(tmpdir(), 'ucvm-verify-test-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const pkiDir = join(work, 'pki');
const out = join(work, 'dist');
const dir = join(out, `ucernvm-images.${STRONG}`);
const product = (x: string) => join(dir, `ucernvm-prod.${STRONG}.${x}`);
const elsewhere = join(work, 'elsewhere'); // no config here: no default CA bundle or subject
let pki: CliTestPki;
let build: Awaited<ReturnType<typeof runCli>>;

const ucvm = (argv: string[], cwd = work) => runCli(argv, cwd, buildTestEnv(EPOCH));

beforeAll(async () => {
  mkdirSync(pkiDir);
  mkdirSync(elsewhere);
  pki = makeCliTestPki(pkiDir);
  writeFileSync(
    join(work, 'ucvm.config.json'),
    JSON.stringify({
      signing: {
        key: 'pki/signer.key',
        certificate: 'pki/signer.pem',
        caBundle: 'pki/root.pem',
        subject: 'CN=release signer, O=ucvm test',
      },
    }),
  );
  build = await ucvm(testBuildArgs(out, { formats: ['iso', 'hdd', 'hvm', 'vhd'] }));
}, 400_000);

/** A copy of a product (and its .sha256) in a fresh directory, optionally with a byte flipped. */
function copyOf(x: string, flipAt?: (bytes: Buffer) => number, withSum = true): string {
  const d = mkdtempSync(join(work, 'copy-'));
  const name = `ucernvm-prod.${STRONG}.${x}`;
  const bytes = readFileSync(product(x));
  if (flipAt) {
    const at = flipAt(bytes);
    bytes[at] = (bytes[at] as number) ^ 0x01;
  }
  writeFileSync(join(d, name), bytes);
  if (withSum) copyFileSync(`${product(x)}.sha256`, join(d, `${name}.sha256`));
  return join(d, name);
}

/** The file's howto-verify text, run literally with sh -e in an empty directory. */
function howto(file: string, ca: string, text?: string): { code: number; out: string } {
  const steps = text ?? readTrailers(readFileSync(file))?.signature['howto-verify'];
  expect(steps).toBeTruthy();
  const d = mkdtempSync(join(work, 'howto-'));
  const r = spawnSync('sh', ['-e', '-c', steps as string], {
    cwd: d,
    env: { PATH: process.env.PATH, F: file, CA: ca, LC_ALL: 'C' },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

describe('ucvm build with signing configured', () => {
  it('signs iso, hdd and hvm; the manifest names the signer; vhd is unsigned', () => {
    expect(build.stderr).not.toMatch(/error/);
    expect(build.code).toBe(0);
    const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    const fp = execFileSync(
      'openssl',
      ['x509', '-in', pki.cert, '-noout', '-fingerprint', '-sha256'],
      {
        encoding: 'utf8',
      },
    )
      .trim()
      .replace(/^.*=/, '');
    const byFormat = Object.fromEntries(
      m.outputs
        .filter((o: { kind: string }) => o.kind === 'image')
        .map((o: { format: string }) => [o.format, o]),
    );
    for (const f of ['iso', 'hdd', 'hvm']) {
      expect(byFormat[f], f).toMatchObject({
        signed: true,
        signer: { subject: 'O=ucvm test, CN=release signer', fingerprint256: fp },
      });
      const t = readTrailers(readFileSync(product(f)));
      expect(t?.metadata).toEqual({
        'ucernvm-version': STRONG,
        'os-repo': 'cernvm-prod.cern.ch',
        snapshot: 'HEAD',
      });
    }
    expect(byFormat.vhd.signed).toBeUndefined();
    expect(readTrailers(readFileSync(product('vhd')))).toBeUndefined();
    // The .sha256 covers the signed file.
    const sums = readdirSync(dir).filter((n) => n.endsWith('.sha256'));
    const check = execFileSync('sha256sum', ['-c', ...sums], { cwd: dir, encoding: 'utf8' });
    expect(check).not.toMatch(/FAILED/);
    expect(byFormat.iso.sha256).toBe(
      execFileSync('sha256sum', [product('iso')], { encoding: 'utf8' }).split(' ')[0],
    );
    expect(readdirSync(dir).filter((n) => n.includes('ucvm-tmp'))).toEqual([]);
  });

  it('signed images stay readable: xorriso reads the iso, sfdisk the hdd; size = image + 64 KiB', () => {
    const report = execFileSync(
      'xorriso',
      ['-indev', product('iso'), '-report_el_torito', 'plain'],
      {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    expect(report).toMatch(/El Torito boot img : +1 +BIOS +y/);
    expect(execFileSync('sfdisk', ['--dump', product('hdd')], { encoding: 'utf8' })).toMatch(
      /bootable/,
    );
    expect(readFileSync(product('hdd')).length).toBe(24 * 1024 * 1024 + 65536);
  });

  it('ucvm verify passes every check, with the config defaults and with flags', async () => {
    const r = await ucvm(['verify', product('iso')]);
    expect(r.stdout).toMatch(/sha256 +ok +matches ucernvm-prod\..*\.iso\.sha256/);
    expect(r.stdout).toMatch(
      /chain +ok +trusted: O=ucvm test, CN=release signer <- O=ucvm test, CN=CLI Test Root CA/,
    );
    expect(r.stdout).toContain('result: PASS: sha256, trailer, signature, chain, subject');
    expect(r.code).toBe(0);
    const j = await ucvm(
      ['verify', product('hdd'), '--ca', pki.rootCa, '--subject', pki.subject, '--json'],
      elsewhere,
    );
    expect(j.code).toBe(0);
    const parsed = JSON.parse(j.stdout);
    expect(parsed).toMatchObject({ ok: true, metadata: { 'os-repo': 'cernvm-prod.cern.ch' } });
    expect(parsed.checks.map((c: { status: string }) => c.status)).toEqual([
      'pass',
      'pass',
      'pass',
      'pass',
      'pass',
    ]);
  });

  it('the howto-verify steps printed by ucvm verify --howto pass with openssl', async () => {
    const printed = await ucvm(['verify', '--howto', product('iso')], elsewhere);
    expect(printed.code).toBe(0);
    expect(printed.stdout).toBe(
      readTrailers(readFileSync(product('iso')))?.signature['howto-verify'],
    );
    expect(printed.stdout).toContain(
      'openssl dgst -sha256 -verify pub.pem -signature sig.bin signed.bin',
    );
    const unsigned = await ucvm(['verify', '--howto', product('vhd')], elsewhere);
    expect(unsigned.stderr).toContain('has no signature trailer with howto-verify steps');
    expect(unsigned.code).toBe(1);
    const h = howto(product('iso'), pki.rootCa, printed.stdout);
    expect(h.out).toContain('cert.pem: OK');
    expect(h.out).toContain('subject=O = ucvm test, CN = release signer');
    expect(h.out).toContain('Verified OK');
    expect(h.code).toBe(0);
  });

  it.each([
    ['the image', (_b: Buffer) => 40_000, ['SHA256_MISMATCH', 'SIGNATURE_BAD']],
    [
      'the metadata block',
      (b: Buffer) => (readTrailers(b)?.imageLength as number) + 26,
      ['SHA256_MISMATCH', 'SIGNATURE_BAD'],
    ],
    [
      'the signature',
      (b: Buffer) => b.indexOf('"signature": "', readTrailers(b)?.signatureOffset) + 30,
      ['SHA256_MISMATCH', 'SIGNATURE_BAD'],
    ],
  ])('one flipped byte in %s fails ucvm verify and the howto', async (_what, at, codes) => {
    const f = copyOf('iso', at);
    const r = await ucvm(['verify', f, '--json']);
    expect(r.code).toBe(1);
    const v = JSON.parse(r.stdout);
    expect(v.ok).toBe(false);
    expect(
      v.checks
        .filter((c: { status: string }) => c.status === 'fail')
        .map((c: { code: string }) => c.code),
    ).toEqual(codes);
    const h = howto(f, pki.rootCa);
    expect(h.code).not.toBe(0);
    // The same flip with no .sha256 beside it: the trailer alone catches it.
    const alone = copyOf('iso', at, false);
    const a = await ucvm(['verify', alone]);
    expect(a.stdout).toContain('[SIGNATURE_BAD]');
    expect(a.code).toBe(1);
  });

  it('a wrong CA and a wrong subject fail; no CA at all is not trusted', async () => {
    const wrongCa = await ucvm(['verify', product('iso'), '--ca', pki.otherCa]);
    expect(wrongCa.stdout).toMatch(/chain +FAILED +\[CHAIN_UNTRUSTED\] no CA of the bundle issued/);
    expect(wrongCa.code).toBe(1);
    expect(howto(product('iso'), pki.otherCa).code).not.toBe(0);
    const wrongSubject = await ucvm(['verify', product('iso'), '--subject', 'CN=someone else']);
    expect(wrongSubject.stdout).toMatch(
      /subject +FAILED +\[SUBJECT_MISMATCH\] signed by O=ucvm test, CN=release signer/,
    );
    expect(wrongSubject.code).toBe(1);
    const noCa = await ucvm(['verify', product('iso')], elsewhere);
    expect(noCa.stdout).toMatch(/chain +skipped \[NO_CA_BUNDLE\]/);
    expect(noCa.stdout).toContain('result: NOT TRUSTED');
    expect(noCa.code).toBe(1);
  });

  it('an unsigned product passes on its .sha256; with neither, nothing is verified', async () => {
    const r = await ucvm(['verify', product('vhd')]);
    expect(r.stdout).toMatch(/trailer +skipped \[NO_TRAILER\]/);
    expect(r.stdout).toContain('result: PASS: sha256');
    expect(r.code).toBe(0);
    const bare = await ucvm(['verify', copyOf('vhd', undefined, false)]);
    expect(bare.stdout).toContain(
      'result: NOTHING VERIFIED: no .sha256 file and no signature trailer',
    );
    expect(bare.code).toBe(1);
  });

  it('usage errors exit 2', async () => {
    expect((await ucvm(['verify'])).code).toBe(2);
    const missing = await ucvm(['verify', join(work, 'nope.iso')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('cannot read');
    const noBundle = await ucvm(['verify', product('iso'), '--ca', join(work, 'no-ca.pem')]);
    expect(noBundle.stderr).toContain('no-ca.pem does not exist');
    expect(noBundle.code).toBe(2);
    const notPem = await ucvm(['verify', product('iso'), '--ca', product('vhd.sha256')]);
    expect(notPem.stderr).toContain('[CA_BUNDLE_INVALID]');
    expect(notPem.code).toBe(2);
  });

  it('a rebuilt signed image is byte-identical (RSA signatures are deterministic)', async () => {
    const before = readFileSync(product('iso'));
    const sumBefore = readFileSync(`${product('iso')}.sha256`, 'utf8');
    rmSync(product('iso'));
    const again = await ucvm(
      testBuildArgs(out, { formats: ['iso', 'hdd', 'hvm', 'vhd'], extra: ['--json'] }),
    );
    expect(again.code).toBe(0);
    const result = again.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
      .find((e) => e.event === 'result');
    // Only the iso when nothing else changed (other products' reuse is build.test.ts's concern).
    expect(result.built).toContain(`ucernvm-prod.${STRONG}.iso`);
    expect(Buffer.compare(readFileSync(product('iso')), before)).toBe(0);
    expect(readFileSync(`${product('iso')}.sha256`, 'utf8')).toBe(sumBefore);
  }, 300_000);

  it('a build whose signing key cannot be read stops with exit 2 naming the file', async () => {
    const d = join(work, 'badkey');
    mkdirSync(d);
    writeFileSync(
      join(d, 'ucvm.config.json'),
      JSON.stringify({ signing: { key: 'missing.key', certificate: pki.cert } }),
    );
    const r = await runCli(
      testBuildArgs(join(d, 'dist'), { formats: ['iso'] }),
      d,
      buildTestEnv(EPOCH),
    );
    expect(r.stderr).toMatch(
      /\[E_SIGNING_FILE\]: signing\.key: cannot read .*missing\.key \(ENOENT\)/,
    );
    expect(r.code).toBe(2);
  }, 300_000);

  it('ucvm image signs with the same configuration: the same bytes as the built, signed hdd', async () => {
    const t = join(work, 'pack');
    mkdirSync(t);
    execFileSync('tar', ['-xf', join(dir, `ucernvm.${STRONG}.tar`), '-C', t]);
    const kernel = readdirSync(t).find((n) => n.startsWith('vmlinuz-'));
    expect(kernel).toBeDefined();
    const single = join(work, 'single');
    mkdirSync(single);
    const r = await ucvm([
      'image',
      '--cvmfs-standin',
      '--branch',
      'prod',
      '--format',
      'hdd',
      '--initrd',
      join(dir, `initrd.${STRONG}`),
      '--kernel',
      join(t, kernel as string),
      '--out',
      single,
      '--json',
    ]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      signed: true,
      signer: { subject: 'O=ucvm test, CN=release signer' },
    });
    const name = `ucernvm-prod.${STRONG}.hdd`;
    expect(Buffer.compare(readFileSync(join(single, name)), readFileSync(product('hdd')))).toBe(0);
    expect(readdirSync(single).sort()).toEqual([name, `${name}.sha256`]);
  }, 120_000);
});

describe('sign step with a signer command', () => {
  it('signs through the command (stdin → openssl dgst -sign) with the same bytes as the key', async () => {
    const script = join(pkiDir, 'sign.sh');
    writeFileSync(script, `#!/bin/sh\nexec openssl dgst -sha256 -sign "${pki.key}"\n`);
    chmodSync(script, 0o755);
    const loaded = (signing: object) =>
      ({
        config: { signing: { timeoutSeconds: 10, ...signing } },
        baseDir: pkiDir,
        file: null,
        digest: '',
      }) as unknown as LoadedConfig;
    const branch = { name: 'prod', repository: 'cernvm-prod.cern.ch', tag: 'v1' } as Branch;
    const image = Buffer.alloc(300_000, 7);
    const signWith = async (signing: object, name: string) => {
      const s = signStep(await loadSigning(loaded(signing)), 'hdd', branch, STRONG);
      const path = join(work, name);
      await s?.wrap(async (p) => writeFileSync(p, image))(path);
      return path;
    };
    const viaCommand = await signWith(
      { command: ['./sign.sh'], certificate: 'signer.pem' },
      'cmd.hdd',
    );
    const viaKey = await signWith({ key: 'signer.key', certificate: 'signer.pem' }, 'key.hdd');
    expect(Buffer.compare(readFileSync(viaCommand), readFileSync(viaKey))).toBe(0);
    expect(readTrailers(readFileSync(viaCommand))?.metadata.snapshot).toBe('v1');
    const r = await ucvm(
      ['verify', viaCommand, '--ca', pki.rootCa, '--subject', pki.subject],
      elsewhere,
    );
    expect(r.stdout).toContain('result: PASS: trailer, signature, chain, subject');
    expect(r.code).toBe(0);
    expect(readdirSync(work).filter((n) => n.includes('unsigned'))).toEqual([]);
    // A command that fails leaves nothing under the final name.
    const bad = signWith({ command: ['false'], certificate: 'signer.pem' }, 'bad.hdd');
    await expect(bad).rejects.toThrow(/signer command `false` failed: exit status 1/);
    expect(readdirSync(work).filter((n) => n.includes('bad.hdd'))).toEqual([]);
  });
});
