import { createHash } from 'node:crypto';
import type { TarMember } from '../tar/reader.js';
import { detectFormat } from './detect.js';
import type { ArchiveInfo, ArchiveMember, ImageKind } from './types.js';

// The tar products (build.md §1): the update pack (apply + initrd + kernel, runtime.md §6.8),
// the GCE archive (disk.raw), the OVA (OVF descriptor, manifest, disks) and the Vagrant box
// (metadata.json, Vagrantfile, box.ovf, disks). Told apart by their member names.

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const base = (name: string) => name.slice(name.lastIndexOf('/') + 1);

export function archiveKind(members: TarMember[], gzip: boolean): ImageKind {
  const names = new Set(members.map((m) => base(m.name)));
  if (names.has('metadata.json') || names.has('Vagrantfile')) return 'box';
  if ([...names].some((n) => n.endsWith('.ovf'))) return 'ova';
  if (names.has('disk.raw') && gzip) return 'gce';
  if (names.has('apply')) return 'update-pack';
  return 'tar';
}

/** `key=value` lines of the update pack's apply file. */
export function parseApply(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) out[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  return out;
}

/** Attributes of every `<tag …>` element in an XML text (enough for an OVF descriptor). */
function elements(xml: string, tag: string): Record<string, string>[] {
  const out: Record<string, string>[] = [];
  for (const m of xml.matchAll(new RegExp(`<(?:\\w+:)?${tag}\\b([^>]*)>`, 'g'))) {
    const attrs: Record<string, string> = {};
    for (const a of m[1]!.matchAll(/(?:\w+:)?(\w+)\s*=\s*"([^"]*)"/g)) attrs[a[1]!] = a[2]!;
    out.push(attrs);
  }
  return out;
}

/** The OVF's disks in order with the file each refers to (DMTF DSP0243 References/DiskSection). */
export function ovfDisks(ovf: string): NonNullable<ArchiveInfo['ovfDisks']> {
  const files = new Map(elements(ovf, 'File').map((f) => [f.id ?? '', f.href]));
  return elements(ovf, 'Disk').map((d) => {
    const disk: NonNullable<ArchiveInfo['ovfDisks']>[number] = { fileRef: d.fileRef ?? '' };
    const href = files.get(d.fileRef ?? '');
    if (href !== undefined) disk.href = href;
    if (d.capacity !== undefined)
      disk.capacity = d.capacityAllocationUnits
        ? `${d.capacity} ${d.capacityAllocationUnits}`
        : d.capacity;
    return disk;
  });
}

/** OVF manifest lines (DSP0243 §5.1: `SHA256(file)= digest`, also SHA1/SHA512). */
export function checkManifest(
  text: string,
  members: TarMember[],
): NonNullable<ArchiveInfo['manifest']> {
  const out: NonNullable<ArchiveInfo['manifest']> = [];
  for (const m of text.matchAll(/^(SHA1|SHA256|SHA512)\((.+)\)\s*=\s*([0-9a-fA-F]+)\s*$/gm)) {
    const [, algorithm = '', member = '', expected = ''] = m;
    const data = members.find((x) => x.name === member && x.type === 'file')?.data;
    const actual = data
      ? createHash(algorithm.toLowerCase()).update(data).digest('hex')
      : undefined;
    out.push({
      member,
      algorithm,
      expected: expected.toLowerCase(),
      ok: actual === expected.toLowerCase(),
    });
  }
  return out;
}

export function describeArchive(
  members: TarMember[],
  gzip: boolean,
  diskSize: (m: TarMember) => number | undefined,
): ArchiveInfo {
  const info: ArchiveInfo = {
    format: gzip ? 'tar.gz' : 'tar',
    members: members.map((m) => {
      const a: ArchiveMember = {
        name: m.name,
        type: m.type,
        mode: m.mode,
        size: m.size,
        mtime: m.mtime,
      };
      if (m.type !== 'file') return a;
      a.sha256 = sha256(m.data);
      const format = detectFormat(m.data);
      if (format && format !== 'tar' && format !== 'gzip') {
        a.disk = { format };
        const v = diskSize(m);
        if (v !== undefined) a.disk.virtualSize = v;
      }
      return a;
    }),
  };
  const text = (name: string) => {
    const m = members.find((x) => base(x.name) === name && x.type === 'file');
    return m ? Buffer.from(m.data).toString('utf8') : undefined;
  };
  const apply = text('apply');
  if (apply !== undefined) {
    const fields = parseApply(apply);
    const checks: NonNullable<ArchiveInfo['apply']>['checks'] = [];
    for (const role of ['kernel', 'initrd']) {
      const member = fields[role];
      const expected = fields[`${role}_sha256`];
      if (member === undefined || expected === undefined) continue;
      const actual = info.members.find((m) => m.name === member)?.sha256;
      const check: (typeof checks)[number] = { member, expected, ok: actual === expected };
      if (actual !== undefined) check.actual = actual;
      checks.push(check);
    }
    info.apply = { fields, checks };
  }
  const ovfMember = members.find((m) => m.type === 'file' && m.name.endsWith('.ovf'));
  if (ovfMember) info.ovfDisks = ovfDisks(Buffer.from(ovfMember.data).toString('utf8'));
  const mf = members.find((m) => m.type === 'file' && m.name.endsWith('.mf'));
  if (mf) info.manifest = checkManifest(Buffer.from(mf.data).toString('utf8'), members);
  const metadata = text('metadata.json');
  if (metadata !== undefined) info.metadata = metadata;
  return info;
}
