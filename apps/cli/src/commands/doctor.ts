import { access } from 'node:fs/promises';
import type { Command } from 'commander';
import { type HostTool, runVersion, TOOLS } from '../build/tools.js';
import type { CliIo } from '../io.js';
import { CommandFailed } from '../main.js';

/** What a host tool is needed for: `build` tools make `ucvm doctor` fail when missing. */
type Need = 'build' | 'optional';

interface DoctorTool extends HostTool {
  need: Need;
  usedFor: string;
}

/** Every host program ucvm calls (build.md §7, §8; testing.md §2, §4). */
export const DOCTOR_TOOLS: readonly DoctorTool[] = [
  { ...TOOLS.grubMkimage, need: 'build', usedFor: 'the EFI loader of every image' },
  { ...TOOLS.syslinux, need: 'build', usedFor: 'installing syslinux into the hdd' },
  { ...TOOLS.xz, need: 'build', usedFor: 'xz initrd compression (the default)' },
  { ...TOOLS.zstd, need: 'optional', usedFor: 'zstd initrd compression' },
  { ...TOOLS.qemuImg, need: 'optional', usedFor: 'qcow2, vdi, vmdk, ova, box outputs' },
  {
    name: 'qemu-system-x86_64',
    debianPackage: 'qemu-system-x86',
    versionArgs: ['--version'],
    need: 'optional',
    usedFor: 'ucvm run and the boot tests',
  },
  {
    name: 'openssl',
    debianPackage: 'openssl',
    versionArgs: ['version'],
    need: 'optional',
    usedFor: 'checking signatures by hand (howto-verify)',
  },
];

/** Firmware files QEMU needs for `ucvm run --uefi` (Debian `ovmf`). */
export const OVMF_FILES = ['/usr/share/OVMF/OVMF_CODE.fd', '/usr/share/OVMF/OVMF_VARS.fd'];

export interface DoctorRow {
  name: string;
  debianPackage: string;
  need: Need;
  usedFor: string;
  /** The version line, or undefined when missing. */
  version?: string;
}

export interface DoctorReport {
  node: string;
  nodeOk: boolean;
  tools: DoctorRow[];
  /** Debian packages to install for everything missing, sorted. */
  install: string[];
  ok: boolean;
}

const MIN_NODE = [20, 11] as const;

function nodeSupported(version: string): boolean {
  const [major = 0, minor = 0] = version.replace(/^v/, '').split('.').map(Number);
  return major > MIN_NODE[0] || (major === MIN_NODE[0] && minor >= MIN_NODE[1]);
}

export async function doctor(env: NodeJS.ProcessEnv, nodeVersion: string): Promise<DoctorReport> {
  const tools: DoctorRow[] = [];
  for (const t of DOCTOR_TOOLS) {
    const version = await runVersion(t, env);
    tools.push({
      name: t.name,
      debianPackage: t.debianPackage,
      need: t.need,
      usedFor: t.usedFor,
      ...(version === undefined ? {} : { version }),
    });
  }
  for (const file of OVMF_FILES) {
    const present = await access(file).then(
      () => true,
      () => false,
    );
    tools.push({
      name: file,
      debianPackage: 'ovmf',
      need: 'optional',
      usedFor: 'ucvm run --uefi and the UEFI boot tests',
      ...(present ? { version: 'present' } : {}),
    });
  }
  const missing = tools.filter((t) => t.version === undefined);
  const nodeOk = nodeSupported(nodeVersion);
  return {
    node: nodeVersion,
    nodeOk,
    tools,
    install: [...new Set(missing.map((t) => t.debianPackage))].sort(),
    ok: nodeOk && missing.every((t) => t.need !== 'build'),
  };
}

function describe(r: DoctorReport): string {
  const out = [
    `node ${r.node}: ${r.nodeOk ? 'ok' : `too old (ucvm needs ${MIN_NODE.join('.')} or newer)`}`,
  ];
  const width = Math.max(...r.tools.map((t) => t.name.length));
  for (const t of r.tools) {
    const state = t.version ?? `MISSING (Debian package ${t.debianPackage})`;
    out.push(`${t.name.padEnd(width)}  ${t.need.padEnd(8)}  ${state}  — ${t.usedFor}`);
  }
  if (r.install.length > 0)
    out.push(`to install what is missing: apt-get install -y ${r.install.join(' ')}`);
  out.push(r.ok ? 'ucvm build can run on this host' : 'ucvm build cannot run on this host yet');
  return `${out.join('\n')}\n`;
}

/** `ucvm doctor` (build.md §8): host tools present, their versions, what to install. */
export function registerDoctor(program: Command, io: CliIo): void {
  program
    .command('doctor')
    .description('check the host tools ucvm calls: present, version, which Debian package')
    .option('--json', 'print the report as JSON')
    .action(async (opts: { json?: boolean }) => {
      const report = await doctor(io.env, process.version);
      io.stdout(opts.json ? `${JSON.stringify(report, null, 2)}\n` : describe(report));
      if (!report.ok) throw new CommandFailed(1);
    });
}
