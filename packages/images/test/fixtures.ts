import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { TreeEntry } from '../src/tree.js';

export const EPOCH = 1700000000;

/** Deterministic pseudo-random bytes (sha256 counter stream). */
export function bytes(seed: string, n: number): Buffer {
  const out = Buffer.alloc(n);
  for (let i = 0, at = 0; at < n; i++) {
    const h = createHash('sha256').update(`${seed}:${i}`).digest();
    h.copy(out, at);
    at += h.length;
  }
  return out;
}

const text = (s: string) => Buffer.from(s);

/** A tree shaped like the µCernVM image (build.md §2) plus the awkward cases. */
export function imageTree(opts: { kernelBytes?: number; manyFiles?: number } = {}): TreeEntry[] {
  const cfg = text(
    'SERIAL 0 115200\nPROMPT 0\nDEFAULT normal\nLABEL normal\n  KERNEL /cernvm/vmlinuz.xz\n',
  );
  const t: TreeEntry[] = [
    { path: '.ucernvm_boot_loader', type: 'file', data: new Uint8Array(0) },
    {
      path: 'version',
      type: 'file',
      data: text('cvm-prod.cern.ch at HEAD, uCernVM 2026.11-1.cernvm.x86_64\n'),
    },
    { path: 'cernvm', type: 'dir' },
    { path: 'cernvm/vmlinuz.xz', type: 'file', data: bytes('kernel', opts.kernelBytes ?? 300_000) },
    { path: 'cernvm/initrd.img', type: 'file', data: bytes('initrd', 120_001) },
    {
      path: 'cernvm/extra-user-data',
      type: 'file',
      data: text('[ucernvm-begin]\ncvmfs_branch=x\n[ucernvm-end]\n'),
    },
    { path: 'isolinux', type: 'dir' },
    { path: 'isolinux/isolinux.bin', type: 'file', data: bytes('isolinux', 38_912) },
    { path: 'isolinux/isolinux.cfg', type: 'file', data: cfg },
    { path: 'isolinux/syslinux.cfg', type: 'file', data: cfg },
    { path: 'boot/grub/menu.lst', type: 'file', data: text('default 0\ntimeout 0\n') },
    { path: 'EFI/BOOT/BOOTX64.EFI', type: 'file', data: bytes('efi', 5000), mode: 0o755 },
    { path: 'Mixed Case Name.Text', type: 'file', data: text('mixed\n') },
    {
      path: 'a-name-that-is-quite-a-bit-longer-than-thirteen-characters.conf',
      type: 'file',
      data: text('long\n'),
    },
  ];
  for (let i = 0; i < (opts.manyFiles ?? 0); i++) {
    t.push({
      path: `many/file-with-long-name-${String(i).padStart(3, '0')}.data`,
      type: 'file',
      data: text(`n${i}\n`),
    });
  }
  return t;
}

/** Reads a host directory back as {path: sha256 | 'dir' | '-> target'} for comparisons. */
export function snapshotDir(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string) => {
    for (const name of readdirSync(join(root, rel)).sort()) {
      const r = rel ? `${rel}/${name}` : name;
      const st = lstatSync(join(root, r));
      if (st.isSymbolicLink()) out[r] = `-> ${readlinkSync(join(root, r))}`;
      else if (st.isDirectory()) {
        out[r] = 'dir';
        walk(r);
      } else
        out[r] = createHash('sha256')
          .update(readFileSync(join(root, r)))
          .digest('hex');
    }
  };
  walk('');
  return out;
}

/** The same map computed from a tree description (implied parent dirs included). */
export function snapshotTree(tree: TreeEntry[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of tree) {
    const parts = e.path.split('/');
    for (let i = 1; i < parts.length; i++) out[parts.slice(0, i).join('/')] = 'dir';
    out[e.path] =
      e.type === 'dir'
        ? 'dir'
        : e.type === 'symlink'
          ? `-> ${e.target}`
          : createHash('sha256').update(e.data!).digest('hex');
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : 1)));
}

export function freshDir(base: string, name: string): string {
  const d = join(base, name);
  mkdirSync(d, { recursive: true });
  return d;
}
