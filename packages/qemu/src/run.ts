import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';
import { QemuError } from './errors.js';
import { type StartVmOptions, startVm } from './start.js';
import type { Vm } from './vm.js';

/**
 * Where failed runs are kept: `UCVM_TEST_ARTIFACTS`, else `<tmpdir>/ucvm-vm-artifacts/`
 * (@ucvm/test-vm passes its own `test-vm/artifacts/`).
 */
export function defaultArtifactsRoot(): string {
  return process.env['UCVM_TEST_ARTIFACTS'] || join(tmpdir(), 'ucvm-vm-artifacts');
}

/** A file-system-safe form of a test name. */
export function safeName(name: string): string {
  const s = name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '');
  return (s === '' ? 'vm' : s).slice(0, 80);
}

export type RunVmOptions = Omit<StartVmOptions, 'workDir' | 'name'>;

/** One test's VMs and scratch files, kept as artifacts if the test fails. */
export class VmRun {
  readonly vms: Vm[] = [];
  constructor(
    readonly name: string,
    /** Temporary directory for this run: put disks the test builds here. */
    readonly dir: string,
  ) {}

  /** Starts a VM whose logs go to this run's directory (`vm1.serial.log`, …). */
  async start(options: RunVmOptions): Promise<Vm> {
    const name = `vm${this.vms.length + 1}`;
    const vm = await startVm({
      ...options,
      workDir: this.dir,
      name,
      label: `${this.name}/${name}`,
    });
    this.vms.push(vm);
    return vm;
  }
}

/** Claims `<root>/<name>-<n>` with the smallest free n (mkdir is atomic across processes). */
async function claimArtifactsDir(root: string, name: string): Promise<string> {
  await mkdir(root, { recursive: true });
  for (let n = 1; ; n++) {
    const dir = join(root, `${name}-${n}`);
    try {
      await mkdir(dir);
      return dir;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
}

/**
 * `cp -R --sparse=always FROM TO` (GNU coreutils): a kept 1 GiB scratch disk holding a few
 * MiB stays a few MiB on disk, where fs.cp would write every zero. Bounded like every wait.
 */
function copySparse(from: string, to: string, flags: string[] = []): Promise<void> {
  return new Promise((done, fail) => {
    execFile(
      'cp',
      ['-R', '--sparse=always', ...flags, from, to],
      { timeout: 300_000 },
      (e, _out, err) => {
        if (!e) return done();
        fail(
          new QemuError(
            'ARTIFACTS_COPY_FAILED',
            `cannot keep ${from} as ${to}: ${String(err).trim() || e.message}`,
            'check free space under the artifacts directory (UCVM_TEST_ARTIFACTS)',
          ),
        );
      },
    );
  });
}

/** Copies the run directory plus every disk that lives outside it (kernel/initrd are not disks). */
async function keepArtifacts(run: VmRun, root: string): Promise<string> {
  const dest = await claimArtifactsDir(root, safeName(run.name));
  await copySparse(`${run.dir}/.`, dest);
  for (const vm of run.vms) {
    const disks = [...(vm.options.drives ?? []).map((d) => d.file), ...(vm.options.cdroms ?? [])];
    for (const disk of disks) {
      if (!relative(run.dir, disk).startsWith('..')) continue; // already copied
      const to = join(dest, 'disks', basename(disk));
      await mkdir(join(dest, 'disks'), { recursive: true });
      await copySparse(disk, to, ['-n']); // the first of two same-named disks is kept
    }
  }
  return dest;
}

/**
 * Runs `body` with a fresh {@link VmRun}. Afterwards every VM of the run is killed. If `body`
 * throws, the run directory (serial logs, QEMU stderr and arguments, disks) is kept under
 * `<artifactsRoot>/<name>-<n>/` and that path is added to the error message; on success the
 * temporary directory is removed.
 */
export async function withVmRun<T>(
  name: string,
  body: (run: VmRun) => Promise<T>,
  opts: { artifactsRoot?: string } = {},
): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), `ucvm-vm-${safeName(name).slice(0, 40)}-`));
  const run = new VmRun(name, dir);
  let result: T;
  try {
    result = await body(run);
  } catch (error) {
    await Promise.all(run.vms.map((vm) => vm.kill()));
    let kept: string | undefined;
    let keepFailure = '';
    try {
      kept = await keepArtifacts(run, opts.artifactsRoot ?? defaultArtifactsRoot());
    } catch (e) {
      // Never hide the test's own failure behind a copy error.
      keepFailure = `\n  artifacts could not be copied (${(e as Error).message}); left in: ${dir}`;
    }
    if (kept !== undefined) await rm(dir, { recursive: true, force: true });
    if (error instanceof Error) {
      const old = error.message;
      // The run directory is gone: point the log paths in the message at the kept copy.
      error.message =
        kept === undefined
          ? `${old}${keepFailure}`
          : `${old.replaceAll(dir, kept)}\n  artifacts kept in: ${kept}`;
      // V8 captured the old message in the stack header; keep both in step.
      if (error.stack?.includes(old)) error.stack = error.stack.replace(old, error.message);
      if (error instanceof QemuError && kept !== undefined) error.artifactsDir = kept;
    }
    throw error;
  }
  await Promise.all(run.vms.map((vm) => vm.kill()));
  await rm(dir, { recursive: true, force: true });
  return result;
}
