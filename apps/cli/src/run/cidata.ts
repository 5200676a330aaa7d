import { createHash } from 'node:crypto';
import { writeFatFile } from '@ucvm/images';

/** FAT stores labels upper-case; the init and cloud-init match `cidata` in any case (runtime.md §3 05). */
export const CIDATA_LABEL = 'CIDATA';

/** Size of the seed disk: the two files plus room for the FAT's own structures, whole MiB. */
function seedSize(bytes: number): number {
  const MiB = 2 ** 20;
  return Math.max(2 * MiB, Math.ceil((bytes * 1.1 + MiB) / MiB) * MiB);
}

/**
 * The NoCloud seed (runtime.md §3 05-metadata, row 2): a FAT file system labelled `cidata`
 * with `user-data` and a `meta-data` whose instance id is derived from the user data, so the
 * same input gives the same disk. Written with our own FAT writer: no mkfs, no mount, no root.
 */
export async function writeNoCloudSeed(
  path: string,
  userData: Uint8Array,
  sourceDateEpoch: number,
): Promise<void> {
  const id = createHash('sha256').update(userData).digest('hex').slice(0, 16);
  const metaData = new TextEncoder().encode(`instance-id: ucvm-run-${id}\nlocal-hostname: ucvm\n`);
  await writeFatFile(
    path,
    [
      { path: 'meta-data', type: 'file', data: metaData },
      { path: 'user-data', type: 'file', data: userData },
    ],
    {
      sizeBytes: seedSize(userData.length + metaData.length),
      label: CIDATA_LABEL,
      seed: `ucvm-run-cidata-${id}`,
      sourceDateEpoch,
    },
  );
}
