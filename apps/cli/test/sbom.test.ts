import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { readNewc } from '@ucvm/initrd';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestEnv, runCli, testBuildArgs } from './run-cli.js';

// `sbom.cdx.json` of `ucvm build` (build.md §1): CycloneDX 1.5, every component of the initrd
// with the digest the manifest records, and per component the files it put into the initrd,
// whose digests are checked against the initrd read back here with zlib and the cpio reader.

const EPOCH = '1700000000';
const STRONG = '2026.11-1.cernvm.x86_64.cvmfs-standin';
const work = mkdtempSync(join(tmpdir(), 'ucvm-sbom-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const dirOf = (out: string) => join(work, out, `ucernvm-images.${STRONG}`);

const build = (out: string) =>
  runCli(testBuildArgs(out, { formats: ['fat'] }), work, buildTestEnv(EPOCH));

interface FileComponent {
  name: string;
  hashes?: { alg: string; content: string }[];
  properties: { name: string; value: string }[];
}
interface Component {
  name: string;
  version: string;
  purl?: string;
  hashes?: { alg: string; content: string }[];
  properties?: { name: string; value: string }[];
  components: FileComponent[];
}
let first: Awaited<ReturnType<typeof build>>;
let bom: {
  bomFormat: string;
  specVersion: string;
  serialNumber: string;
  metadata: { timestamp: string; component: { hashes: { content: string }[] } };
  components: Component[];
};
let manifest: {
  inputs: { name: string; role: string; version: string; sha256: string }[];
  outputs: { name: string; sha256: string; kind: string }[];
};

beforeAll(async () => {
  first = await build('a');
  bom = JSON.parse(readFileSync(join(dirOf('a'), 'sbom.cdx.json'), 'utf8'));
  manifest = JSON.parse(readFileSync(join(dirOf('a'), 'manifest.json'), 'utf8'));
}, 600_000);

describe('ucvm build: sbom.cdx.json', () => {
  it('is a CycloneDX 1.5 document about the initrd, referenced from the manifest with a .sha256', () => {
    expect(first.code, first.stderr).toBe(0);
    expect(bom.bomFormat).toBe('CycloneDX');
    expect(bom.specVersion).toBe('1.5');
    expect(bom.serialNumber).toMatch(/^urn:uuid:[0-9a-f-]{36}$/);
    expect(bom.metadata.timestamp).toBe('2023-11-14T22:13:20Z');
    const initrd = manifest.outputs.find((o) => o.name === `initrd.${STRONG}`);
    expect(bom.metadata.component.hashes[0]?.content).toBe(initrd?.sha256);
    const entry = manifest.outputs.find((o) => o.name === 'sbom.cdx.json');
    expect(entry).toMatchObject({ kind: 'sbom' });
    const sum = execFileSync('sha256sum', ['sbom.cdx.json'], { cwd: dirOf('a'), encoding: 'utf8' });
    expect(sum.split(' ')[0]).toBe(entry?.sha256);
    expect(readFileSync(join(dirOf('a'), 'sbom.cdx.json.sha256'), 'utf8')).toBe(
      `${entry?.sha256}  sbom.cdx.json\n`,
    );
  });

  it('lists every initrd, cvmfs and kernel input with the manifest digest and version', () => {
    const wanted = manifest.inputs.filter((i) => ['initrd', 'cvmfs', 'kernel'].includes(i.role));
    expect(wanted.length).toBeGreaterThan(3);
    for (const i of wanted) {
      const c = bom.components.find((x) => x.name === i.name);
      expect(c, i.name).toBeDefined();
      expect(c?.version).toBe(i.version);
      expect(c?.hashes).toEqual([{ alg: 'SHA-256', content: i.sha256 }]);
    }
    const busybox = bom.components.find((c) => c.name.startsWith('busybox'));
    expect(busybox?.purl).toMatch(/^pkg:deb\/debian\/busybox[^@]*@[^?]+\?arch=amd64$/);
    const cvmfs = bom.components.find(
      (c) => c.name === wanted.find((i) => i.role === 'cvmfs')?.name,
    );
    expect(cvmfs?.properties).toContainEqual({ name: 'ucvm:cvmfs-standin', value: 'true' });
  });

  it('gives each component the initrd files it contributed, with the digests of the initrd', () => {
    const initrd = readFileSync(join(dirOf('a'), `initrd.${STRONG}`));
    const records = readNewc(gunzipSync(initrd));
    const data = new Map<number, Buffer>();
    for (const r of records) if (r.data.length > 0) data.set(r.ino, Buffer.from(r.data));
    const digestOf = new Map(
      records
        .filter((r) => (r.mode & 0o170000) === 0o100000)
        .map((r) => [`/${r.name}`, sha(data.get(r.ino) ?? Buffer.alloc(0))]),
    );
    const described = new Map<string, string>();
    for (const c of bom.components) {
      for (const f of c.components) {
        expect(described.has(f.name), f.name).toBe(false); // one owner per file
        if (f.hashes) described.set(f.name, f.hashes[0]?.content ?? '');
      }
    }
    // Every regular file of the initrd is in the SBOM with its digest.
    expect([...described.keys()].sort()).toEqual([...digestOf.keys()].sort());
    for (const [path, hex] of digestOf) expect(described.get(path), path).toBe(hex);
    const byName = (n: string) => bom.components.find((c) => c.name === n);
    expect(byName('ucvm')?.components.map((f) => f.name)).toContain('/init');
    const kernel = manifest.inputs.find((i) => i.role === 'kernel')?.name ?? '';
    expect(byName(kernel)?.components.some((f) => f.name.endsWith('.ko'))).toBe(true);
    const files = bom.components.filter((c) => c.components.length > 0);
    expect(files.length).toBeGreaterThanOrEqual(4);
  });

  it('is written again byte-identical: in another directory, and alone for a reused initrd', async () => {
    const second = await build('b');
    expect(second.code, second.stderr).toBe(0);
    const a = readFileSync(join(dirOf('a'), 'sbom.cdx.json'));
    expect(readFileSync(join(dirOf('b'), 'sbom.cdx.json')).equals(a)).toBe(true);
    rmSync(join(dirOf('b'), 'sbom.cdx.json'));
    const third = await runCli(
      testBuildArgs('b', { formats: ['fat'], extra: ['--json'] }),
      work,
      buildTestEnv(EPOCH),
    );
    const result = third.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
      .find((e) => e.event === 'result');
    expect(result.built).toEqual(['sbom.cdx.json']);
    expect(readFileSync(join(dirOf('b'), 'sbom.cdx.json')).equals(a)).toBe(true);
  }, 600_000);
});

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
