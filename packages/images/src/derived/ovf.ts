import { ImagesError } from '../errors.js';

// OVF 1.0 descriptor (DMTF DSP0243 1.0; build.md §1 ".ova", §7 "OVF" is ours to write): one
// VirtualSystem with CPUs, memory, one SATA (AHCI) controller carrying the boot disk (port 0)
// and an empty scratch disk (port 1), and one NIC on the NAT network. Written as text, not
// through an XML library: element order is fixed, every value escaped, so the bytes depend
// only on the options. The hardware family is VirtualBox's (`virtualbox-2.2`), the original's
// target; other hypervisors import it with their usual family override.

/** Disk format URI of a stream-optimised VMDK (DSP0243 §9.1, VMware's identifier). */
export const VMDK_STREAM_OPTIMIZED =
  'http://www.vmware.com/interfaces/specifications/vmdk.html#streamOptimized';

export interface OvfDisk {
  /** File name inside the package (`ovf:href`). */
  file: string;
  /** Bytes of that file (`ovf:size` in References). */
  fileSize: number;
  /** Virtual size in bytes (`ovf:capacity`). */
  capacity: number;
}

export interface OvfOptions {
  /** VirtualSystem id and the name the VM gets on import, e.g. `ucernvm-prod`. */
  name: string;
  /** One line shown by importers (`<Annotation>`). */
  description: string;
  /** Disks in controller port order: the boot disk first. */
  disks: readonly OvfDisk[];
  /** Default 1. */
  cpus?: number;
  /** Default 2048 (MiB). */
  memoryMiB?: number;
  /** NIC model (`rasd:ResourceSubType`); default `virtio`, whose driver the initrd carries. */
  nic?: 'virtio' | 'E1000' | 'PCNet32';
}

/** XML 1.0 §2.4/§3.3.3: `&`, `<`, `>`, quotes escaped; control characters refused. */
export function xmlEscape(text: string): string {
  if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/.test(text)) {
    throw new ImagesError(
      'OVF_BAD_TEXT',
      `OVF value ${JSON.stringify(text)} has control characters XML 1.0 cannot carry`,
      'use printable text',
    );
  }
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

const positiveInt = (what: string, v: number) => {
  if (!Number.isSafeInteger(v) || v <= 0) {
    throw new ImagesError('OVF_BAD_OPTION', `OVF ${what} ${v} is not a positive integer`);
  }
  return v;
};

/** A `<Item>` of the VirtualHardwareSection: rasd elements in schema (alphabetical) order. */
function item(fields: [string, string | number][]): string[] {
  const sorted = [...fields].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return [
    '      <Item>',
    ...sorted.map(([k, v]) => `        <rasd:${k}>${xmlEscape(String(v))}</rasd:${k}>`),
    '      </Item>',
  ];
}

/** The descriptor text (UTF-8, LF line ends, trailing newline). */
export function ovfDescriptor(opts: OvfOptions): string {
  const cpus = positiveInt('cpus', opts.cpus ?? 1);
  const memory = positiveInt('memoryMiB', opts.memoryMiB ?? 2048);
  if (opts.disks.length === 0 || opts.disks.length > 30) {
    throw new ImagesError(
      'OVF_BAD_OPTION',
      `OVF with ${opts.disks.length} disks: an AHCI controller takes 1 to 30`,
      'pass the boot disk and at most 29 more',
    );
  }
  for (const d of opts.disks) {
    positiveInt(`disk ${d.file} size`, d.fileSize);
    positiveInt(`disk ${d.file} capacity`, d.capacity);
  }
  const e = xmlEscape;
  const name = e(opts.name);
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<Envelope ovf:version="1.0" xml:lang="en-US"' +
      ' xmlns="http://schemas.dmtf.org/ovf/envelope/1"' +
      ' xmlns:ovf="http://schemas.dmtf.org/ovf/envelope/1"' +
      ' xmlns:rasd="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_ResourceAllocationSettingData"' +
      ' xmlns:vssd="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_VirtualSystemSettingData"' +
      ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">',
    // DSP0243 §7.1: References, then the sections, then the content.
    '  <References>',
    ...opts.disks.map(
      (d, i) =>
        `    <File ovf:href="${e(d.file)}" ovf:id="file${i + 1}" ovf:size="${d.fileSize}"/>`,
    ),
    '  </References>',
    '  <DiskSection>',
    '    <Info>Virtual disks</Info>',
    ...opts.disks.map(
      (d, i) =>
        `    <Disk ovf:capacity="${d.capacity}" ovf:diskId="vmdisk${i + 1}" ovf:fileRef="file${i + 1}" ovf:format="${VMDK_STREAM_OPTIMIZED}"/>`,
    ),
    '  </DiskSection>',
    '  <NetworkSection>',
    '    <Info>Logical networks</Info>',
    '    <Network ovf:name="NAT">',
    '      <Description>The network the VM reaches the Stratum-1 and CDN servers on</Description>',
    '    </Network>',
    '  </NetworkSection>',
    `  <VirtualSystem ovf:id="${name}">`,
    '    <Info>A µCernVM virtual machine</Info>',
    '    <AnnotationSection>',
    '      <Info>Description</Info>',
    `      <Annotation>${e(opts.description)}</Annotation>`,
    '    </AnnotationSection>',
    // CIM_OperatingSystem.OsType 101 = "Linux 2.6.x 64-Bit" (VirtualBox: Linux26_64).
    '    <OperatingSystemSection ovf:id="101">',
    '      <Info>Guest operating system</Info>',
    '      <Description>Linux26_64</Description>',
    '    </OperatingSystemSection>',
    '    <VirtualHardwareSection>',
    '      <Info>Virtual hardware requirements</Info>',
    '      <System>',
    '        <vssd:ElementName>Virtual Hardware Family</vssd:ElementName>',
    '        <vssd:InstanceID>0</vssd:InstanceID>',
    `        <vssd:VirtualSystemIdentifier>${name}</vssd:VirtualSystemIdentifier>`,
    '        <vssd:VirtualSystemType>virtualbox-2.2</vssd:VirtualSystemType>',
    '      </System>',
    // CIM ResourceType: 3 processor, 4 memory, 20 other storage (AHCI), 10 Ethernet, 17 disk.
    ...item([
      ['Caption', `${cpus} virtual CPU`],
      ['Description', 'Number of virtual CPUs'],
      ['ElementName', `${cpus} virtual CPU`],
      ['InstanceID', 1],
      ['ResourceType', 3],
      ['VirtualQuantity', cpus],
    ]),
    ...item([
      ['AllocationUnits', 'MegaBytes'],
      ['Caption', `${memory} MB of memory`],
      ['Description', 'Memory Size'],
      ['ElementName', `${memory} MB of memory`],
      ['InstanceID', 2],
      ['ResourceType', 4],
      ['VirtualQuantity', memory],
    ]),
    ...item([
      ['Address', 0],
      ['Caption', 'sataController0'],
      ['Description', 'SATA Controller'],
      ['ElementName', 'sataController0'],
      ['InstanceID', 3],
      ['ResourceSubType', 'AHCI'],
      ['ResourceType', 20],
    ]),
    ...item([
      ['AutomaticAllocation', 'true'],
      ['Caption', "Ethernet adapter on 'NAT'"],
      ['Connection', 'NAT'],
      ['ElementName', "Ethernet adapter on 'NAT'"],
      ['InstanceID', 4],
      ['ResourceSubType', opts.nic ?? 'virtio'],
      ['ResourceType', 10],
    ]),
    ...opts.disks.flatMap((_, i) =>
      item([
        ['AddressOnParent', i],
        ['Caption', `disk${i + 1}`],
        ['Description', i === 0 ? 'Boot disk' : 'Scratch disk'],
        ['ElementName', `disk${i + 1}`],
        ['HostResource', `/disk/vmdisk${i + 1}`],
        ['InstanceID', 5 + i],
        ['Parent', 3],
        ['ResourceType', 17],
      ]),
    ),
    '    </VirtualHardwareSection>',
    '  </VirtualSystem>',
    '</Envelope>',
  ];
  return `${lines.join('\n')}\n`;
}
