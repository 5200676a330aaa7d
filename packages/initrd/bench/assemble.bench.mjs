// Times our assembly (tree -> in-memory staging -> cpio newc -> xz) against the reference
// pipeline of image-recipes.md §2.2/§9 on the same staging tree, in the same run:
//   find . | sort | cpio -o -H newc -R 0:0 --reproducible | xz --check=crc32 -9 -T1
// Run with `pnpm bench` (turbo builds dist first) or `node bench/assemble.bench.mjs`.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { buildInitrd, compress, placeFromTree, Staging, writeNewc } from '../dist/index.js';

const RUNS = Number(process.env.UCVM_BENCH_RUNS ?? 3);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function time(fn) {
  const ms = [];
  let last;
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    last = await fn();
    ms.push(performance.now() - t0);
  }
  return { ms: median(ms), last };
}

const work = await mkdtemp(join(tmpdir(), 'ucvm-bench-'));
try {
  // 1. A realistic staging tree (§9): static busybox, e2fsprogs and util-linux tools with their
  //    libraries from this host, written to disk once.
  const tools = [
    'usr/sbin/mke2fs',
    'usr/sbin/e2fsck',
    'usr/sbin/tune2fs',
    'usr/sbin/sfdisk',
    'usr/bin/bash',
  ].filter((p) => existsSync(`/${p}`));
  const staged = await buildInitrd({
    components: [
      { name: 'busybox', root: '/', files: [{ from: 'usr/bin/busybox', to: 'sbin/busybox' }] },
      {
        name: 'tools',
        root: '/',
        files: tools.map((p) => ({ from: p, to: p.replace(/^usr\//, '') })),
      },
    ],
    strongVersion: '0.0-0.cernvm.x86_64',
    sourceDateEpoch: 1700000000,
    compression: 'none',
  });
  const tree = join(work, 'tree');
  execFileSync('mkdir', ['-p', tree]);
  execFileSync('cpio', ['-id', '--quiet', '--no-absolute-filenames'], {
    cwd: tree,
    input: staged.bytes,
  });
  // Device nodes are the assembler's own entries, not tree content: keep both sides equal.
  execFileSync('rm', ['-f', join(tree, 'dev/console'), join(tree, 'dev/null')]);
  execFileSync('find', [tree, '-exec', 'touch', '-h', '-d', '@1700000000', '{}', '+']);

  // 2. Ours, end to end from the tree on disk.
  const ours = await time(async () => {
    const staging = new Staging();
    await placeFromTree(staging, { name: 'tree', root: tree }, '', '');
    const cpio = writeNewc(staging.entries(), { sourceDateEpoch: 1700000000 });
    return { cpio: cpio.length, xz: (await compress(cpio, 'xz')).bytes.length };
  });
  const oursCpio = await time(async () => {
    const staging = new Staging();
    await placeFromTree(staging, { name: 'tree', root: tree }, '', '');
    return writeNewc(staging.entries(), { sourceDateEpoch: 1700000000 }).length;
  });

  // 3. Reference pipeline on the same tree.
  const sh = (cmd) => () =>
    execFileSync('bash', ['-o', 'pipefail', '-c', cmd], {
      cwd: tree,
      maxBuffer: 1 << 30,
      env: { ...process.env, LC_ALL: 'C' },
    }).length;
  const list = 'find . -mindepth 1 | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0 --reproducible';
  const ref = await time(sh(`${list} | xz --check=crc32 -9 -T1`));
  const refCpio = await time(sh(list));

  const fmt = (n) => `${n.toFixed(0).padStart(6)} ms`;
  process.stdout.write(
    [
      `staging tree: ${staged.entries.length} entries, cpio ${ours.last.cpio} bytes (median of ${RUNS} runs each)`,
      `cpio only   ours ${fmt(oursCpio.ms)}   reference ${fmt(refCpio.ms)}   ratio ours/ref ${(oursCpio.ms / refCpio.ms).toFixed(2)}`,
      `cpio + xz   ours ${fmt(ours.ms)}   reference ${fmt(ref.ms)}   ratio ours/ref ${(ours.ms / ref.ms).toFixed(2)}`,
      `xz size     ours ${ours.last.xz} bytes   reference ${ref.last} bytes`,
      '',
    ].join('\n'),
  );
} finally {
  await rm(work, { recursive: true, force: true });
}
