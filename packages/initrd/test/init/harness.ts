// Test harness for the init's shell code: a temp tree standing in for the
// machine (/proc, /sys, /dev, /run/ucvm, /root.rw, …), shims that record
// their argv instead of touching devices, and `busybox sh` running the real
// lib.sh and stage files with the UCVM_* path overrides (runtime.md §1.3, §8.3).
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const INIT_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../init');
export const LIB_DIR = join(INIT_DIR, 'lib/ucvm');
export const BUSYBOX = existsSync('/bin/busybox') ? '/bin/busybox' : 'busybox';

export interface PartSpec {
  num: number;
  /** start and size in 512-byte sectors (sysfs units) */
  start: number;
  size: number;
  /** blkid -p -o export lines (KEY=VALUE), undefined = no signature (exit 2) */
  blkid?: Record<string, string>;
  name?: string;
}

export interface DiskSpec {
  /** size in 512-byte sectors */
  sectors: number;
  lss?: number;
  ro?: boolean;
  removable?: boolean;
  holders?: boolean;
  blkid?: Record<string, string>;
  blkidRc?: number;
  parts?: PartSpec[];
  /** files present at the root when the (only) file system is probe-mounted */
  media?: Record<string, string>;
  noDeviceLink?: boolean;
}

export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export const MiB = 2048; // 512-byte sectors per MiB
export const GiB = 1024 * MiB;

// one write per call, so that parallel shims do not interleave their lines
const RECORD = `rec() { l="$NAME"; for a in "$@"; do l="$l$(printf '\\t%s' "$a")"; done; printf '%s\\n' "$l" >>"$FIX/calls"; }`;

export class Fixture {
  readonly root: string;
  readonly prefix: string;
  readonly proc: string;
  readonly sys: string;
  readonly dev: string;
  readonly run: string;
  readonly rw: string;
  readonly ro: string;
  readonly newroot: string;
  readonly shims: string;

  constructor(opts: { cmdline?: string; version?: string } = {}) {
    this.root = mkdtempSync(join(tmpdir(), 'ucvm-init-'));
    this.prefix = join(this.root, 'initrd');
    this.proc = join(this.root, 'proc');
    this.sys = join(this.root, 'sys');
    this.dev = join(this.root, 'dev');
    this.run = join(this.root, 'run/ucvm');
    this.rw = join(this.root, 'root.rw');
    this.ro = join(this.root, 'root.ro');
    this.newroot = join(this.root, 'root');
    this.shims = join(this.root, 'shims');
    for (const d of [
      join(this.prefix, 'lib'),
      join(this.prefix, 'etc/ucvm'),
      join(this.proc, 'self'),
      join(this.proc, 'sys/kernel'),
      join(this.sys, 'block'),
      join(this.sys, 'class/block'),
      this.dev,
      join(this.run, 'log'),
      join(this.run, 'state'),
      join(this.run, 'context'),
      join(this.run, 'net'),
      this.rw,
      this.ro,
      this.newroot,
      this.shims,
      join(this.root, 'fix/blkid'),
      join(this.root, 'fix/media'),
      join(this.root, 'fix/stdin'),
    ]) {
      mkdirSync(d, { recursive: true });
    }
    symlinkSync(LIB_DIR, join(this.prefix, 'lib/ucvm'));
    writeFileSync(join(this.prefix, 'version'), `${opts.version ?? '2026.01-1'}\n`);
    writeFileSync(join(this.proc, 'cmdline'), `${opts.cmdline ?? 'quiet'}\n`);
    writeFileSync(join(this.proc, 'uptime'), '5.00 1.00\n');
    writeFileSync(join(this.proc, 'self/mountinfo'), '');
    writeFileSync(
      join(this.proc, 'filesystems'),
      'nodev\tsysfs\nnodev\tproc\nnodev\toverlay\nnodev\tfuse\n\text4\n\tiso9660\n\tvfat\n\tudf\n',
    );
    for (const name of [
      'mount',
      'umount',
      'modprobe',
      'mknod',
      'poweroff',
      'reboot',
      'blockdev',
      'partx',
      'wipefs',
      'mke2fs',
      'tune2fs',
      'e2fsck',
      'shell',
    ]) {
      this.shim(name);
    }
    this.shim('sfdisk', 'cat >"$FIX/stdin/sfdisk.$(grep -c "^sfdisk" "$FIX/calls")"');
    this.shim(
      'blkid',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansion
      'for a; do d="$a"; done; b="${d##*/}"; [ -f "$FIX/blkid/$b" ] || exit 2; cat "$FIX/blkid/$b"; exit "$(cat "$FIX/blkid/$b.rc" 2>/dev/null || echo 0)"',
    );
    // probe mounts copy the media fixture of the device into the target
    this.shim(
      'mount',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansion
      'for a; do t="$a"; done; for a; do case "$a" in */dev/*) b="${a##*/}";; esac; done; [ -n "${b:-}" ] && [ -d "$FIX/media/$b" ] && cp -R "$FIX/media/$b/." "$t/"; exit 0',
    );
    this.shim('umount', 'rm -rf "$1" && mkdir -p "$1"');
  }

  path(...p: string[]): string {
    return join(this.root, ...p);
  }

  /** A shim NAME recording `NAME\targ…` to calls, then running BODY. */
  shim(name: string, body = 'exit 0'): void {
    const file = join(this.shims, name);
    writeFileSync(
      file,
      `#!/bin/sh\nNAME=${name}\nFIX='${this.root}/fix'\n${RECORD}\nrec "$@"\n${body}\n`,
    );
    chmodSync(file, 0o755);
  }

  /** Recorded calls, each an argv array (tool name first). */
  calls(name?: string): string[][] {
    const f = this.path('fix/calls');
    if (!existsSync(f)) return [];
    const all = readFileSync(f, 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => l.split('\t'));
    return name ? all.filter((c) => c[0] === name) : all;
  }

  /** /proc/uptime follows the host clock (for tests of deadlines; the default is a fixed 5.00). */
  realClock(): void {
    rmSync(join(this.proc, 'uptime'));
    symlinkSync('/proc/uptime', join(this.proc, 'uptime'));
  }

  cmdline(text: string): void {
    writeFileSync(join(this.proc, 'cmdline'), `${text}\n`);
  }

  blkid(name: string, values: Record<string, string> | undefined, rc = 0): void {
    const f = this.path('fix/blkid', name);
    if (values === undefined) {
      rmSync(f, { force: true });
      return;
    }
    writeFileSync(
      f,
      Object.entries(values)
        .map(([k, v]) => `${k}=${v}\n`)
        .join(''),
    );
    writeFileSync(`${f}.rc`, `${rc}\n`);
  }

  /** A whole disk under /sys/block with its partitions under /sys/class/block. */
  disk(name: string, spec: DiskSpec): void {
    const dir = join(this.sys, 'block', name);
    mkdirSync(join(dir, 'queue'), { recursive: true });
    mkdirSync(join(dir, 'holders'), { recursive: true });
    if (!spec.noDeviceLink) mkdirSync(join(dir, 'device'), { recursive: true });
    writeFileSync(join(dir, 'size'), `${spec.sectors}\n`);
    writeFileSync(join(dir, 'queue/logical_block_size'), `${spec.lss ?? 512}\n`);
    writeFileSync(join(dir, 'ro'), spec.ro ? '1\n' : '0\n');
    writeFileSync(join(dir, 'removable'), spec.removable ? '1\n' : '0\n');
    writeFileSync(join(dir, 'dev'), '253:0\n');
    if (spec.holders) writeFileSync(join(dir, 'holders/dm-0'), '');
    symlinkSync(`../../block/${name}`, join(this.sys, 'class/block', name));
    writeFileSync(join(this.dev, name), '');
    if (spec.blkid) this.blkid(name, spec.blkid, spec.blkidRc ?? 0);
    if (spec.media) this.media(name, spec.media);
    for (const p of spec.parts ?? []) this.part(name, p);
  }

  part(disk: string, p: PartSpec): string {
    const name = p.name ?? `${disk}${/\d$/.test(disk) ? 'p' : ''}${p.num}`;
    const dir = join(this.sys, 'block', disk, name);
    mkdirSync(join(dir, 'holders'), { recursive: true });
    writeFileSync(join(dir, 'partition'), `${p.num}\n`);
    writeFileSync(join(dir, 'start'), `${p.start}\n`);
    writeFileSync(join(dir, 'size'), `${p.size}\n`);
    writeFileSync(join(dir, 'ro'), '0\n');
    writeFileSync(join(dir, 'dev'), `253:${p.num}\n`);
    symlinkSync(`../../block/${disk}/${name}`, join(this.sys, 'class/block', name));
    writeFileSync(join(this.dev, name), '');
    if (p.blkid) this.blkid(name, p.blkid);
    return name;
  }

  media(name: string, files: Record<string, string>): void {
    const dir = this.path('fix/media', name);
    mkdirSync(dir, { recursive: true });
    for (const [f, c] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, f)), { recursive: true });
      writeFileSync(join(dir, f), c);
    }
  }

  env(extra: Record<string, string> = {}): Record<string, string> {
    return {
      PATH: '/usr/sbin:/usr/bin:/sbin:/bin',
      UCVM_PREFIX: this.prefix,
      UCVM_PROC: this.proc,
      UCVM_SYS: this.sys,
      UCVM_DEV: this.dev,
      UCVM_RUN: this.run,
      UCVM_RW: this.rw,
      UCVM_RO: this.ro,
      UCVM_NEWROOT: this.newroot,
      UCVM_SHIMS: this.shims,
      ...extra,
    };
  }

  /**
   * Run SCRIPT in busybox sh after sourcing lib.sh, initialising the
   * environment, parsing the fixture's /proc/cmdline and sourcing STAGES.
   */
  sh(
    script: string,
    opts: { stages?: string[]; env?: Record<string, string>; input?: string } = {},
  ): RunResult {
    const stageLines = (opts.stages ?? [])
      .map((s) => `. "$UCVM_LIBDIR/stages/${s}.sh"; unset -f stage_run 2>/dev/null || true`)
      .join('\n');
    const prelude = [
      '. "$UCVM_PREFIX/lib/ucvm/lib.sh"',
      'ucvm_env_init',
      'ucvm_cmdline_parse "$(cat "$UCVM_PROC/cmdline")" "$UCVM_RUN/cmdline"',
      stageLines,
    ].join('\n');
    return this.exec(['sh', '-c', `${prelude}\n${script}`], opts);
  }

  /** Run one stage: source it, run stage_run under the driver's contract. */
  stage(name: string, opts: { before?: string; env?: Record<string, string> } = {}): RunResult {
    return this.sh(
      `${opts.before ?? ''}
ucvm_stage_begin "$UCVM_LIBDIR/stages/${name}.sh"
. "$UCVM_LIBDIR/stages/${name}.sh"
stage_run
ucvm_stage_end "$?"`,
      { env: opts.env },
    );
  }

  exec(argv: string[], opts: { env?: Record<string, string>; input?: string } = {}): RunResult {
    const r = spawnSync(BUSYBOX, argv, {
      env: this.env(opts.env),
      encoding: 'utf8',
      input: opts.input ?? '',
      timeout: 60_000,
      cwd: this.root,
    });
    return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
  }

  /** stdin given to the N-th (1-based) call of a shim that saves it. */
  stdin(name: string, n: number): string {
    return readFileSync(this.path('fix/stdin', `${name}.${n}`), 'utf8');
  }

  read(...p: string[]): string {
    return readFileSync(join(this.root, ...p), 'utf8');
  }

  cleanup(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}

/** Lines of the §1.4 form `[ucvm] NN-name: word text`. */
export const RESULT_RE = /^\[ucvm\] [0-9a-z-]+: (ok|skip|warn|info)( .*)?$/;

/**
 * A stand-in CernVM-FS control socket in a separate process (the stage under test runs
 * synchronously and would block this event loop): it saves the first request line to `out`
 * and answers `OK`. Resolves once the socket exists (5 s at most).
 */
export async function controlSocketResponder(sock: string, out: string): Promise<ChildProcess> {
  const server = spawn(process.execPath, [
    '-e',
    `const [sock, out] = process.argv.slice(1);
require('node:net').createServer((c) => { let b = '';
  c.on('data', (d) => { b += d; if (b.includes('\\n')) { require('node:fs').writeFileSync(out, b); c.end('OK\\n'); } });
}).listen(sock);`,
    sock,
    out,
  ]);
  for (let i = 0; i < 100 && !existsSync(sock); i++) await new Promise((ok) => setTimeout(ok, 50));
  return server;
}
