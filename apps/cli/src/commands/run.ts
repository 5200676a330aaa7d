import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { accelSetting } from '@ucvm/qemu';
import type { Command } from 'commander';
import { CliError } from '../errors.js';
import type { CliIo } from '../io.js';
import { CommandFailed } from '../main.js';
import { readInputFile } from '../read-input.js';
import { runImage } from '../run/session.js';
import { parseDiskSize } from '../run/size.js';

interface RunFlags {
  disk?: string;
  userData?: string;
  uefi?: boolean;
  memory?: string;
  accel?: string;
  deadline?: string;
  expect?: string;
}

/** User data larger than this is no user data (userdata.md limits are far below). */
const MAX_USER_DATA = 16 * 2 ** 20;
/** Fallback time stamp of the seed disk's files when SOURCE_DATE_EPOCH is unset (1980-01-01). */
const SEED_EPOCH = 315_532_800;

const usage = (code: string, message: string, hint: string): CliError =>
  new CliError(code, message, hint, 2);

function positiveInt(flag: string, text: string, max: number): number {
  const n = /^\d+$/.test(text.trim()) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < 1 || n > max) {
    throw usage(
      'RUN_BAD_NUMBER',
      `${flag} ${JSON.stringify(text)} is not a whole number from 1 to ${max}`,
      `e.g. ${flag} ${flag === '--memory' ? 1024 : 240}`,
    );
  }
  return n;
}

function pattern(text: string): RegExp {
  try {
    return new RegExp(text);
  } catch (e) {
    throw usage(
      'RUN_BAD_REGEX',
      `--expect ${JSON.stringify(text)} is not a regular expression: ${(e as Error).message}`,
      "e.g. --expect 'init: ok'",
    );
  }
}

function epoch(io: CliIo): number {
  const text = io.env['SOURCE_DATE_EPOCH'];
  if (text === undefined || text === '') return SEED_EPOCH;
  if (!/^\d+$/.test(text)) {
    throw usage(
      'RUN_BAD_EPOCH',
      `SOURCE_DATE_EPOCH ${JSON.stringify(text)} is not whole seconds`,
      'unset it or give e.g. 1700000000',
    );
  }
  return Number(text);
}

async function imageFile(io: CliIo, name: string): Promise<string> {
  const path = resolve(io.cwd, name);
  const st = await stat(path).catch(() => undefined);
  if (!st?.isFile()) {
    throw usage(
      'RUN_NO_IMAGE',
      `image ${name} ${st ? 'is not a regular file' : 'does not exist'} (${path})`,
      'build one with `ucvm build`, then pass e.g. dist-images/ucernvm-images.<version>/ucernvm-prod.<version>.iso',
    );
  }
  return path;
}

/** `ucvm run IMAGE` (build.md §8): boot an image in QEMU with the serial console here. */
export function registerRun(program: Command, io: CliIo): void {
  program
    .command('run')
    .description('boot an image in QEMU with its serial console on this terminal (Ctrl-A X quits)')
    .argument('<image>', '.iso (CD-ROM), .hdd/.hvm/raw, .qcow2, .vdi, .vmdk or .vhd (virtio disk)')
    .option('--disk <size>', 'attach an empty scratch disk of this size, e.g. 2G')
    .option('--user-data <file>', 'attach a NoCloud cidata disk with this user data')
    .option('--uefi', 'boot with OVMF (Debian package ovmf) instead of SeaBIOS')
    .option('--memory <MiB>', 'guest memory', '1024')
    .option(
      '--accel <tcg|kvm|auto>',
      'accelerator (default: $UCVM_QEMU_ACCEL, else tcg; kvm only after a probe boots)',
    )
    .option('--deadline <seconds>', 'stop QEMU after this long and fail (non-interactive use)')
    .option('--expect <regex>', 'succeed as soon as a console line matches (needs --deadline)')
    .action(async (image: string, flags: RunFlags) => {
      const diskBytes = flags.disk === undefined ? undefined : parseDiskSize(flags.disk);
      const memoryMiB = positiveInt('--memory', flags.memory ?? '1024', 16384);
      const deadlineS =
        flags.deadline === undefined
          ? undefined
          : positiveInt('--deadline', flags.deadline, 86_400);
      const expect = flags.expect === undefined ? undefined : pattern(flags.expect);
      if (expect !== undefined && deadlineS === undefined) {
        throw usage(
          'RUN_EXPECT_NEEDS_DEADLINE',
          '--expect without --deadline would wait forever',
          'add e.g. --deadline 240',
        );
      }
      let accel: ReturnType<typeof accelSetting>;
      try {
        accel = accelSetting(flags.accel ?? io.env['UCVM_QEMU_ACCEL']);
      } catch {
        throw usage(
          'RUN_BAD_ACCEL',
          `accelerator ${JSON.stringify(flags.accel ?? io.env['UCVM_QEMU_ACCEL'])} is not tcg, kvm or auto`,
          'use --accel tcg (the default), kvm or auto',
        );
      }
      const path = await imageFile(io, image);
      const userData =
        flags.userData === undefined
          ? undefined
          : await readInputFile(io.cwd, flags.userData, MAX_USER_DATA);
      const code = await runImage(
        {
          image: path,
          imageName: image,
          ...(diskBytes === undefined ? {} : { diskBytes }),
          ...(userData === undefined ? {} : { userData }),
          uefi: Boolean(flags.uefi),
          memoryMiB,
          accel,
          ...(deadlineS === undefined ? {} : { deadlineS }),
          ...(expect === undefined ? {} : { expect }),
          interactive: io.isTty && Boolean(process.stdin.isTTY),
          sourceDateEpoch: epoch(io),
        },
        io,
      );
      if (code !== 0) throw new CommandFailed(1);
    });
}
