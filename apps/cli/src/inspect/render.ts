import type { ImageInspection, ImageReport, InitrdSummary } from './report.js';
import type { TrailerReport } from './trailers.js';

// Human output of `ucvm inspect` for images (build.md §8): short sections — kind, size,
// sha256, versions, container, El Torito, partitions, file systems, boot configuration,
// trailers — and, with --tree, every entry of every file system.

export const size = (n: number): string =>
  n >= 1 << 30
    ? `${(n / (1 << 30)).toFixed(2)} GiB`
    : n >= 1 << 20
      ? `${(n / (1 << 20)).toFixed(2)} MiB`
      : n >= 1024
        ? `${(n / 1024).toFixed(1)} KiB`
        : `${n} B`;

const KIND_NAMES: Record<ImageInspection['kind'], string> = {
  iso: 'ISO 9660 image',
  disk: 'raw disk image',
  fat: 'FAT file system image',
  vhd: 'VHD disk image',
  qcow2: 'qcow2 disk image',
  vdi: 'VDI disk image',
  vmdk: 'VMDK disk image',
  'update-pack': 'update pack (apply + initrd + kernel)',
  gce: 'Compute Engine image archive (disk.raw in tar.gz)',
  ova: 'OVA appliance',
  box: 'Vagrant box',
  tar: 'tar archive',
};

const mode = (m: number) =>
  [6, 3, 0]
    .map((s) => {
      const b = (m >> s) & 7;
      return `${b & 4 ? 'r' : '-'}${b & 2 ? 'w' : '-'}${b & 1 ? 'x' : '-'}`;
    })
    .join('');

function section(out: string[], title: string, body: string[]) {
  if (body.length === 0) return;
  out.push(`${title}:`);
  for (const l of body) out.push(`  ${l}`);
}

function trailersLines(t: TrailerReport | null): string[] {
  if (!t) return ['none (unsigned)'];
  const l = [`${t.state} (${t.note})`];
  if (t.state === 'damaged') return l;
  l.push(`image length before the trailers: ${t.imageLength} bytes`);
  for (const [k, v] of Object.entries(t.metadata ?? {})) l.push(`${k}: ${v}`);
  if (t.certificate) {
    l.push(`certificate subject: ${t.certificate.subject}`);
    l.push(`certificate issuer:  ${t.certificate.issuer}`);
    l.push(`valid: ${t.certificate.validFrom} .. ${t.certificate.validTo}`);
    l.push(`serial: ${t.certificate.serialNumber}`);
    l.push(`sha256 fingerprint: ${t.certificate.fingerprint256}`);
  }
  for (const c of t.chain) l.push(`chain: ${c}`);
  return l;
}

function initrdLines(i: InitrdSummary): string[] {
  const l = [
    `${i.member}: ${i.version ?? '(no /version)'}, ${i.compression}, ${size(i.compressedSize)}`,
  ];
  if (i.components.length > 0) l.push(`components: ${i.components.join(' ')}`);
  if (i.modules > 0) l.push(`kernel modules: ${i.modules}`);
  return l;
}

/** The sections of one inspection; `depth` indents the images found inside archives. */
function body(i: ImageInspection, tree: boolean): string[] {
  const out: string[] = [];
  if (i.version !== undefined) out.push(`version: ${i.version}`);
  if (i.kernelVersion !== undefined) out.push(`kernel: ${i.kernelVersion}`);
  if (i.container) {
    const f = Object.entries(i.container.fields).map(([k, v]) => `${k}=${v}`);
    section(out, 'container', [
      `${i.container.format}, virtual size ${size(i.container.virtualSize)} (${i.container.virtualSize} bytes)`,
      f.join(', '),
    ]);
  }
  if (i.archive) {
    const w = Math.max(...i.archive.members.map((m) => String(m.size).length), 1);
    section(
      out,
      `members (${i.archive.format})`,
      i.archive.members.map((m) => {
        const disk = m.disk
          ? `  [${m.disk.format}${m.disk.virtualSize !== undefined ? `, virtual ${size(m.disk.virtualSize)}` : ''}]`
          : '';
        return `${m.type === 'dir' ? 'd' : '-'}${mode(m.mode)} ${String(m.size).padStart(w)}  ${m.name}${disk}`;
      }),
    );
    if (i.archive.apply) {
      const a = i.archive.apply;
      section(out, 'apply', [
        ...Object.entries(a.fields).map(([k, v]) => `${k}=${v}`),
        ...a.checks.map(
          (c) =>
            `${c.ok ? 'ok' : 'MISMATCH'}: sha256 of ${c.member}${c.ok ? '' : ` is ${c.actual ?? '(member missing)'}`}`,
        ),
      ]);
    }
    if (i.archive.ovfDisks)
      section(
        out,
        'OVF disks (the first boots)',
        i.archive.ovfDisks.map(
          (d) => `${d.href ?? d.fileRef}${d.capacity ? `, capacity ${d.capacity}` : ''}`,
        ),
      );
    if (i.archive.manifest)
      section(
        out,
        'manifest',
        i.archive.manifest.map((m) => `${m.ok ? 'ok' : 'MISMATCH'}: ${m.algorithm} of ${m.member}`),
      );
    if (i.archive.metadata !== undefined)
      section(out, 'metadata.json', i.archive.metadata.trimEnd().split('\n'));
  }
  if (i.iso) {
    const e = i.iso.elTorito;
    section(out, 'ISO 9660', [
      `volume id ${i.iso.volumeId}, ${i.iso.blocks} blocks, modified ${i.iso.modificationDate}`,
      `isohybrid MBR: ${i.iso.hybridMbr ? 'yes (boots as a disk too)' : 'no'}`,
      ...(e
        ? [
            `El Torito catalog at LBA ${e.catalogLba}${e.catalogPath ? ` (${e.catalogPath})` : ''}:`,
            ...e.entries.map(
              (x, n) =>
                `  ${n + 1}  ${x.platform.padEnd(4)}  ${x.bootable ? 'bootable' : 'not bootable'}  emulation ${x.emulation}  ${x.sectors} sectors  LBA ${x.lba}${x.path ? `  ${x.path}` : ''}`,
            ),
          ]
        : ['no El Torito boot record']),
    ]);
  }
  if (i.partitionTable) {
    const t = i.partitionTable;
    section(out, `partitions (${t.scheme}, disk id ${t.diskId})`, [
      '#  boot  start     sectors   size        type',
      ...t.partitions.map(
        (p) =>
          `${String(p.index).padEnd(2)} ${p.bootable ? '*' : ' '}     ${String(p.start).padEnd(9)} ${String(p.sectors).padEnd(9)} ${size(p.sectors * 512).padEnd(11)} ${p.type} ${p.typeName}${p.name ? ` "${p.name}"` : ''}`,
      ),
    ]);
  }
  section(
    out,
    'file systems',
    i.fileSystems.map(
      (f) =>
        `${f.where}: ${f.type} "${f.label}"${f.serial ? ` serial ${f.serial}` : ''}, ${size(f.size)} at byte ${f.offset}${f.clusters !== undefined ? `, ${f.clusters} clusters of ${f.clusterBytes}` : ''}; ${f.files} files, ${f.dirs} dirs, ${size(f.fileBytes)} in files`,
    ),
  );
  // Boot configuration: each distinct text once, then its kernel command lines.
  const seen = new Map<string, string>();
  const cfg: string[] = [];
  for (const c of i.bootConfigs) {
    const head = `${c.path} (${c.where}, ${c.loader}${c.default !== undefined ? `, default ${c.default}` : ''}${c.serial ? `, ${c.serial}` : ''})`;
    const same = seen.get(c.text);
    if (same !== undefined) {
      cfg.push(`${head}: same as ${same}`);
      continue;
    }
    seen.set(c.text, `${c.path} (${c.where})`);
    cfg.push(`${head}:`);
    for (const line of c.text.trimEnd().split('\n')) cfg.push(`  | ${line}`);
    for (const e of c.entries)
      cfg.push(
        `  entry "${e.label}": ${e.kernel}${e.initrd ? ` initrd ${e.initrd}` : ''}`,
        `    ${e.cmdline}`,
      );
  }
  section(out, 'boot configuration', cfg);
  for (const n of i.notes) out.push(`note: ${n}`);
  if (tree)
    for (const f of i.fileSystems) {
      section(
        out,
        `tree of ${f.where}`,
        f.tree.map(
          (e) =>
            `${e.type.padEnd(7)} ${String(e.size).padStart(10)}  ${e.path}${e.target ? ` -> ${e.target}` : ''}`,
        ),
      );
    }
  for (const inner of i.inner) {
    out.push(`${inner.name}: ${KIND_NAMES[inner.inspection.kind]}, ${size(inner.inspection.size)}`);
    for (const l of body(inner.inspection, tree)) out.push(`  ${l}`);
  }
  return out;
}

export function renderImage(r: ImageReport, tree: boolean): string {
  const out = [
    `file: ${r.file}`,
    `kind: ${KIND_NAMES[r.inspection.kind]}${r.inspection.iso?.hybridMbr ? ' (isohybrid)' : ''}`,
    `size: ${size(r.fileSize)} (${r.fileSize} bytes)`,
    `sha256: ${r.sha256}`,
  ];
  out.push(...body(r.inspection, tree));
  if (r.initrd) section(out, 'initrd', initrdLines(r.initrd));
  section(out, 'trailers', trailersLines(r.trailers));
  return `${out.join('\n')}\n`;
}
