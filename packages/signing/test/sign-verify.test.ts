import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  commandSigner,
  encodeSignatureBlock,
  HOWTO_VERIFY,
  localSigner,
  readTrailers,
  type SignatureBlock,
  type Signer,
  SigningError,
  signImage,
  TRAILER_BLOCK_SIZE,
  verifyTrailers,
} from '../src/index.js';
import { EC_SUBJECT, makeTestPki, RSA_SUBJECT, type TestPki } from './fixtures/ca.js';

// Signing and verifying with a throw-away CA made by openssl; every verdict of verifyTrailers
// is cross-checked by running the trailer's own `howto-verify` text with sh -e and openssl.

let pki: TestPki;
let rsa: Signer;
let ec: Signer;
beforeAll(() => {
  pki = makeTestPki();
  rsa = localSigner({ key: pki.read(pki.rsaKey), certificate: pki.read(pki.rsaCert) });
  ec = localSigner({ key: pki.read(pki.ecKey), certificate: pki.read(pki.ecChain) });
}, 120_000);
afterAll(() => pki.cleanup());

/** Deterministic pseudo-random bytes standing in for an image. */
function image(n = 300_000, seed = 'image'): Buffer {
  const out = Buffer.alloc(n);
  let h = createHash('sha256').update(seed).digest();
  for (let i = 0; i < n; i += 32) {
    h.copy(out, i, 0, Math.min(32, n - i));
    h = createHash('sha256').update(h).digest();
  }
  return out;
}

const meta = {
  'ucernvm-version': '2026.11-1.cernvm.x86_64',
  'os-repo': 'cernvm-prod.cern.ch',
  snapshot: 'HEAD',
};

async function signed(signer: Signer, img = image()): Promise<Buffer> {
  return Buffer.concat((await signImage(img, meta, signer)).chunks);
}

/** Runs the trailer's howto-verify text literally: `sh -e` in an empty directory, F and CA set. */
function howto(file: Buffer, ca: string): { code: number; out: string } {
  const dir = mkdtempSync(join(pki.dir, 'howto-'));
  const f = join(dir, 'image.iso');
  writeFileSync(f, file);
  const text = readTrailers(file)?.signature['howto-verify'] ?? HOWTO_VERIFY;
  const r = spawnSync('sh', ['-e', '-c', text], {
    cwd: dir,
    env: { PATH: process.env.PATH, F: f, CA: ca, LC_ALL: 'C' },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

const verdict = (bytes: Buffer, opts: Parameters<typeof verifyTrailers>[1] = {}) => {
  const v = verifyTrailers(bytes, { caBundle: pki.read(pki.rootCa), ...opts });
  return { ok: v.ok, fails: v.checks.filter((c) => c.status === 'fail').map((c) => c.code) };
};

describe('RSA signer (root CA → signer)', () => {
  it('signs deterministically; the trailer verifies with ucvm and with the howto-verify steps', async () => {
    const a = await signed(rsa);
    const b = await signed(rsa);
    expect(Buffer.compare(a, b)).toBe(0);
    expect(a.length).toBe(300_000 + 2 * TRAILER_BLOCK_SIZE);
    expect(Buffer.compare(a.subarray(0, 300_000), image())).toBe(0);
    const v = verifyTrailers(a, { caBundle: pki.read(pki.rootCa), expectedSubject: RSA_SUBJECT });
    expect(v.checks.map((c) => [c.name, c.status])).toEqual([
      ['trailer', 'pass'],
      ['signature', 'pass'],
      ['chain', 'pass'],
      ['subject', 'pass'],
    ]);
    expect(v.ok).toBe(true);
    expect(v.signer).toMatchObject({ subject: 'O=ucvm test, CN=image signer', keyType: 'rsa' });
    expect(v.signer?.fingerprint256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    const h = howto(a, pki.rootCa);
    expect(h.out).toContain('cert.pem: OK');
    expect(h.out).toContain('subject=O = ucvm test, CN = image signer');
    expect(h.out).toContain('"os-repo": "cernvm-prod.cern.ch"');
    expect(h.out).toContain('Verified OK');
    expect(h.code).toBe(0);
  });

  it.each([
    ['the image', 1234],
    ['the metadata block', 300_000 + 26], // a digit of the ucernvm-version value
  ])('one flipped byte in %s fails both', async (_what, offset) => {
    const s = await signed(rsa);
    s[offset] = (s[offset] as number) ^ 0x01;
    expect(verdict(s)).toEqual({ ok: false, fails: ['SIGNATURE_BAD'] });
    const h = howto(s, pki.rootCa);
    expect(h.out).toContain('Verification failure');
    expect(h.code).not.toBe(0);
  });

  it('one flipped character in the signature fails both', async () => {
    const s = await signed(rsa);
    const t = readTrailers(s);
    const sigAt = s.indexOf(`"signature": "`, t?.signatureOffset) + 20;
    s[sigAt] = s[sigAt] === 0x41 ? 0x42 : 0x41; // another base64 letter
    expect(verdict(s)).toEqual({ ok: false, fails: ['SIGNATURE_BAD'] });
    const h = howto(s, pki.rootCa);
    expect(h.code).not.toBe(0);
  });

  it('a CA that did not issue the signer fails both', async () => {
    const s = await signed(rsa);
    expect(verdict(s, { caBundle: pki.read(pki.otherCa) })).toEqual({
      ok: false,
      fails: ['CHAIN_UNTRUSTED'],
    });
    const h = howto(s, pki.otherCa);
    expect(h.out).toMatch(/unable to get local issuer certificate/);
    expect(h.code).not.toBe(0);
    // A bundle holding both CAs trusts it again.
    const both = pki.read(pki.otherCa) + pki.read(pki.rootCa);
    expect(verdict(s, { caBundle: both })).toEqual({ ok: true, fails: [] });
  });

  it('matches the subject in openssl and RFC 2253-like spellings, fails on another', async () => {
    const s = await signed(rsa);
    expect(verdict(s, { expectedSubject: 'CN=image signer, O=ucvm test' }).ok).toBe(true);
    expect(verdict(s, { expectedSubject: 'O = ucvm test, CN = image signer' }).ok).toBe(true);
    expect(verdict(s, { expectedSubject: '/O=ucvm test/CN=someone else' })).toEqual({
      ok: false,
      fails: ['SUBJECT_MISMATCH'],
    });
    expect(verdict(s, { expectedSubject: '/CN=image signer' }).fails).toEqual(['SUBJECT_MISMATCH']);
  });

  it('checks validity dates at the given time', async () => {
    const s = await signed(rsa);
    const later = new Date(Date.now() + 20 * 86_400_000); // the signer is valid 10 days
    expect(verdict(s, { at: later }).fails).toEqual(['CERT_EXPIRED']);
    const earlier = new Date(Date.now() - 86_400_000);
    expect(verdict(s, { at: earlier }).fails).toEqual(['CERT_NOT_YET_VALID']);
  });

  it('without a CA bundle the chain is not checked and the file is not ok', async () => {
    const v = verifyTrailers(await signed(rsa));
    expect(v.checks.find((c) => c.name === 'chain')).toMatchObject({
      status: 'skipped',
      code: 'NO_CA_BUNDLE',
    });
    expect(v.checks.find((c) => c.name === 'signature')?.status).toBe('pass');
    expect(v.ok).toBe(false);
  });

  it('reports an unsigned file and a cut trailer as failed trailer checks', async () => {
    const none = verifyTrailers(image(), { caBundle: pki.read(pki.rootCa) });
    expect(none).toMatchObject({ present: false, ok: false });
    expect(none.checks).toEqual([
      expect.objectContaining({ name: 'trailer', status: 'fail', code: 'NO_TRAILER' }),
    ]);
    const s = await signed(rsa);
    expect(verdict(s.subarray(0, s.length - 100))).toEqual({
      ok: false,
      fails: ['TRAILER_TRUNCATED'],
    });
  });

  it('reads a signature wrapped at 64 columns as openssl base64 writes it', async () => {
    const s = await signed(rsa);
    const t = readTrailers(s);
    const wrapped = t?.signature.signature.replace(/(.{64})/g, '$1\n') as string;
    const block = Buffer.from(
      encodeSignatureBlock({ ...(t?.signature as SignatureBlock), signature: wrapped }),
    );
    const again = Buffer.concat([s.subarray(0, t?.signatureOffset), block]);
    expect(Buffer.compare(again, s)).not.toBe(0);
    expect(verdict(again)).toEqual({ ok: true, fails: [] });
  });

  it('trusts a signing certificate pinned in the bundle itself', async () => {
    const s = await signed(rsa);
    expect(verdict(s, { caBundle: pki.read(pki.rsaCert) })).toEqual({ ok: true, fails: [] });
  });

  it('refuses a CA bundle without certificates (a usage error)', async () => {
    const s = await signed(rsa);
    expect(() => verifyTrailers(s, { caBundle: 'not a pem' })).toThrow(
      expect.objectContaining({ code: 'CA_BUNDLE_INVALID', exitCode: 2 }),
    );
  });
});

describe('ECDSA signer (root CA → intermediate → signer)', () => {
  it('verifies through the intermediate carried in the trailer, with ucvm and openssl', async () => {
    const a = await signed(ec);
    const b = await signed(ec);
    // ECDSA nonces are random: the image and metadata are the same, the signatures differ.
    expect(
      Buffer.compare(
        a.subarray(0, 300_000 + TRAILER_BLOCK_SIZE),
        b.subarray(0, 300_000 + TRAILER_BLOCK_SIZE),
      ),
    ).toBe(0);
    const v = verifyTrailers(a, { caBundle: pki.read(pki.rootCa), expectedSubject: EC_SUBJECT });
    expect(v.ok).toBe(true);
    expect(v.checks.find((c) => c.name === 'chain')?.message).toContain(
      'O=ucvm test, CN=ec image signer <- O=ucvm test, CN=Test Intermediate CA <- O=ucvm test, CN=Test Root CA',
    );
    expect(verifyTrailers(b, { caBundle: pki.read(pki.rootCa) }).ok).toBe(true);
    const h = howto(a, pki.rootCa);
    expect(h.out).toContain('Verified OK');
    expect(h.code).toBe(0);
    // Without the intermediate in the trailer, the root alone does not reach the signer.
    const leafOnly = localSigner({
      key: pki.read(pki.ecKey),
      certificate: pki.read(pki.ecChain).split(/(?<=-----END CERTIFICATE-----\n)/)[0] as string,
    });
    expect(verdict(await signed(leafOnly)).fails).toEqual(['CHAIN_UNTRUSTED']);
    a[5] = (a[5] as number) ^ 0x80;
    expect(verdict(a).fails).toEqual(['SIGNATURE_BAD']);
    expect(howto(a, pki.rootCa).code).not.toBe(0);
  });
});

describe('signing material', () => {
  const fails = (fn: () => unknown) => {
    try {
      fn();
    } catch (e) {
      expect(e).toBeInstanceOf(SigningError);
      return (e as SigningError).code;
    }
    return 'no error';
  };

  it('refuses a key that is not the certificate key, an encrypted key and an Ed25519 key', () => {
    expect(
      fails(() => localSigner({ key: pki.read(pki.ecKey), certificate: pki.read(pki.rsaCert) })),
    ).toBe('KEY_CERTIFICATE_MISMATCH');
    const enc = spawnSync('openssl', ['pkey', '-in', pki.rsaKey, '-aes256', '-passout', 'pass:x'], {
      encoding: 'utf8',
    }).stdout;
    expect(enc).toContain('ENCRYPTED');
    expect(fails(() => localSigner({ key: enc, certificate: pki.read(pki.rsaCert) }))).toBe(
      'KEY_INVALID',
    );
    const ed = spawnSync('openssl', ['genpkey', '-algorithm', 'ed25519'], {
      encoding: 'utf8',
    }).stdout;
    expect(fails(() => localSigner({ key: ed, certificate: pki.read(pki.rsaCert) }))).toBe(
      'KEY_UNSUPPORTED',
    );
    expect(fails(() => localSigner({ key: pki.read(pki.rsaKey), certificate: 'nothing' }))).toBe(
      'CERTIFICATE_INVALID',
    );
  });
});

describe('signer command', () => {
  /** A signer script: `openssl dgst -sha256 -sign KEY` over stdin (the documented contract). */
  function script(name: string, body: string): string {
    const path = join(pki.dir, name);
    writeFileSync(path, `#!/bin/sh\n${body}\n`);
    chmodSync(path, 0o755);
    return path;
  }

  it('gives the same bytes as the local RSA key and passes the digest in the environment', async () => {
    const sh = script(
      'sign.sh',
      `[ "$UCVM_SIGN_SIZE" = "${300_000 + TRAILER_BLOCK_SIZE}" ] || exit 3\n` +
        `printf %s "$UCVM_SIGN_SHA256" > "${pki.dir}/digest"\n` +
        `exec openssl dgst -sha256 -sign "${pki.rsaKey}"`,
    );
    const cmd = commandSigner({
      command: [sh],
      certificate: pki.read(pki.rsaCert),
      timeoutMs: 30_000,
    });
    const viaCommand = await signed(cmd);
    expect(Buffer.compare(viaCommand, await signed(rsa))).toBe(0);
    const digest = createHash('sha256')
      .update(viaCommand.subarray(0, 300_000 + TRAILER_BLOCK_SIZE))
      .digest('hex');
    expect(pki.read(join(pki.dir, 'digest'))).toBe(digest);
    expect(howto(viaCommand, pki.rootCa).code).toBe(0);
  });

  it.each([
    ['signs with another key', `exec openssl dgst -sha256 -sign KEY_EC`, 'SIGNER_BAD_SIGNATURE'],
    ['fails', 'echo "no token inserted" >&2; exit 4', 'SIGNER_FAILED'],
    ['prints nothing', 'cat > /dev/null', 'SIGNER_FAILED'],
    ['hangs', 'exec sleep 30', 'SIGNER_TIMEOUT'],
  ])('a command that %s is refused', async (what, body, code) => {
    const sh = script(`bad-${what.replace(/ /g, '-')}.sh`, body.replace('KEY_EC', pki.ecKey));
    const cmd = commandSigner({
      command: [sh],
      certificate: pki.read(pki.rsaCert),
      timeoutMs: 1500,
    });
    const err = await signImage(image(1000), meta, cmd).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SigningError);
    expect((err as SigningError).code).toBe(code);
    if (code === 'SIGNER_FAILED' && what === 'fails') {
      expect((err as Error).message).toMatch(/exit status 4; it said: no token inserted/);
    }
  });

  it('names a command that does not exist', async () => {
    const cmd = commandSigner({
      command: [join(pki.dir, 'no-such-signer')],
      certificate: pki.read(pki.rsaCert),
      timeoutMs: 5000,
    });
    await expect(signImage(image(1000), meta, cmd)).rejects.toThrow(
      /no-such-signer` failed: not found/,
    );
  });
});
