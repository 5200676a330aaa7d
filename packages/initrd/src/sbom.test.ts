import { createHash } from 'node:crypto';
import { link, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildInitrd, type InitrdResult } from './assemble.js';
import { decompress } from './compress/compress.js';
import { readNewc } from './cpio/newc.js';
import {
  componentPurl,
  initrdSbom,
  type SbomComponentInput,
  type SbomFile,
  sbomFilesFromInitrd,
} from './sbom.js';

const EPOCH = 1700000000;
const sha = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');
let base: string;
let result: InitrdResult;
let cpio: Uint8Array;

const COMPONENTS: SbomComponentInput[] = [
  {
    name: 'tools',
    version: '1:2.0-3',
    role: 'initrd',
    source: 'apt:tools=1:2.0-3',
    sha256: 'a'.repeat(64),
  },
  {
    name: 'libfoo',
    version: '1.1',
    role: 'initrd',
    source: 'url:https://example.invalid/libfoo-1.1.tar.gz',
    sha256: 'b'.repeat(64),
  },
  {
    name: 'linux',
    version: '6.1.0',
    role: 'kernel',
    source: 'apt:linux-image-6.1.0-amd64=6.1.0',
    sha256: 'c'.repeat(64),
  },
];

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'ucvm-sbom-'));
  await mkdir(join(base, 'tools/usr/bin'), { recursive: true });
  await writeFile(join(base, 'tools/usr/bin/hello'), '#!/bin/sh\necho hello\n', { mode: 0o755 });
  await link(join(base, 'tools/usr/bin/hello'), join(base, 'tools/usr/bin/hi'));
  await symlink('hello', join(base, 'tools/usr/bin/greet'));
  await mkdir(join(base, 'libfoo/etc'), { recursive: true });
  await writeFile(join(base, 'libfoo/etc/foo.conf'), 'foo=1\n');
  result = await buildInitrd({
    components: [
      { name: 'tools', root: join(base, 'tools') },
      { name: 'libfoo', root: join(base, 'libfoo') },
    ],
    strongVersion: '2026.11-1.cernvm.x86_64',
    sourceDateEpoch: EPOCH,
    compression: 'gzip',
    busybox: false,
  });
  cpio = await decompress(result.bytes);
}, 60_000);
afterAll(() => rm(base, { recursive: true, force: true }));

const sbomOf = (files: SbomFile[]) =>
  initrdSbom({
    initrd: {
      name: 'initrd.2026.11-1.cernvm.x86_64',
      sha256: sha(result.bytes),
      version: '2026.11-1.cernvm.x86_64',
    },
    components: COMPONENTS,
    files,
    kernelComponent: 'linux',
    tool: { name: 'ucvm', version: '0.1.0' },
    sourceDateEpoch: EPOCH,
  }) as {
    bomFormat: string;
    specVersion: string;
    serialNumber: string;
    metadata: { timestamp: string; component: { hashes: { content: string }[] } };
    components: {
      name: string;
      version: string;
      purl?: string;
      hashes?: { alg: string; content: string }[];
      components: {
        name: string;
        hashes?: { content: string }[];
        properties: { name: string; value: string }[];
      }[];
    }[];
    dependencies: { ref: string; dependsOn: string[] }[];
  };

describe('initrd SBOM (CycloneDX 1.5)', () => {
  it('lists every file, symlink and hard link of the cpio with its digest and component', () => {
    const files = sbomFilesFromInitrd(result.entries, cpio);
    const regular = readNewc(cpio).filter((r) => (r.mode & 0o170000) === 0o100000);
    // Every regular file and hard link of the archive is described, with the bytes' digest.
    expect(
      files
        .filter((f) => f.kind !== 'symlink')
        .map((f) => f.path)
        .sort(),
    ).toEqual(regular.map((r) => r.name).sort());
    const hello = files.find((f) => f.path === 'usr/bin/hello');
    const hi = files.find((f) => f.path === 'usr/bin/hi');
    expect(hello?.sha256).toBe(sha('#!/bin/sh\necho hello\n'));
    expect(hi?.sha256).toBe(hello?.sha256);
    expect(files.find((f) => f.path === 'usr/bin/greet')).toMatchObject({
      kind: 'symlink',
      target: 'hello',
      component: 'tools',
    });
    expect(files.find((f) => f.path === 'init')?.component).toBe('init');
  });

  it('is schema-shaped: format, version, serial, timestamp, components with purls, hashes and files', () => {
    const bom = sbomOf(sbomFilesFromInitrd(result.entries, cpio));
    expect(bom.bomFormat).toBe('CycloneDX');
    expect(bom.specVersion).toBe('1.5');
    expect(bom.serialNumber).toMatch(
      /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(bom.metadata.timestamp).toBe('2023-11-14T22:13:20Z');
    expect(bom.metadata.component.hashes[0]?.content).toBe(sha(result.bytes));
    expect(bom.components.map((c) => c.name)).toEqual(['ucvm', 'libfoo', 'linux', 'tools']);
    const tools = bom.components.find((c) => c.name === 'tools');
    expect(tools?.purl).toBe('pkg:deb/debian/tools@1%3A2.0-3?arch=amd64');
    expect(tools?.hashes).toEqual([{ alg: 'SHA-256', content: 'a'.repeat(64) }]);
    expect(tools?.components.map((f) => f.name)).toEqual([
      '/usr/bin/greet',
      '/usr/bin/hello',
      '/usr/bin/hi',
    ]);
    expect(bom.components.find((c) => c.name === 'libfoo')?.purl).toBe(
      'pkg:generic/libfoo@1.1?download_url=https%3A%2F%2Fexample.invalid%2Flibfoo-1.1.tar.gz',
    );
    const ucvm = bom.components.find((c) => c.name === 'ucvm');
    expect(ucvm?.components.map((f) => f.name)).toEqual(
      expect.arrayContaining(['/init', '/version', '/etc/ucvm/build.conf']),
    );
    expect(bom.dependencies[0]?.dependsOn).toHaveLength(4);
  });

  it('gives the kernel component the modules; refuses files of unknown components', () => {
    const mod: SbomFile = {
      path: 'lib/modules/6.1.0/kernel/fs/fuse.ko',
      component: 'kernel-modules',
      kind: 'file',
      size: 3,
      sha256: sha('abc'),
    };
    const bom = sbomOf([mod]);
    expect(bom.components.find((c) => c.name === 'linux')?.components[0]?.name).toBe(
      `/${mod.path}`,
    );
    expect(() => sbomOf([{ ...mod, component: 'stray' }])).toThrow(
      /"stray", which the SBOM inputs do not list/,
    );
  });

  it('is deterministic: the same inputs give the same JSON, another initrd another serial', () => {
    const files = sbomFilesFromInitrd(result.entries, cpio);
    const a = JSON.stringify(sbomOf(files));
    expect(JSON.stringify(sbomOf(sbomFilesFromInitrd(result.entries, cpio)))).toBe(a);
    const other = initrdSbom({
      initrd: { name: 'x', sha256: 'd'.repeat(64), version: 'v' },
      components: [],
      files: [],
      tool: { name: 'ucvm', version: '0' },
      sourceDateEpoch: EPOCH,
    }) as { serialNumber: string };
    expect(other.serialNumber).not.toBe(JSON.parse(a).serialNumber);
    expect(componentPurl({ ...COMPONENTS[0]!, source: 'path:/tmp/x' })).toBeUndefined();
  });
});
