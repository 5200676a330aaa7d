import type { ComponentRole, UcvmConfig } from './config/types.js';
import { sourceIdentity } from './fetch.js';
import type { Lockfile } from './lockfile.js';
import { componentStrongVersion } from './version.js';

/** One line of `ucvm components` (build.md §8). */
export interface ComponentRow {
  name: string;
  version: string;
  release: number;
  strongVersion: string;
  role: ComponentRole;
  source: string;
  /** Pinned or locked digest; null when neither the config nor ucvm.lock has one yet. */
  sha256: string | null;
  digestFrom: 'config' | 'lock' | null;
  /** True when ucvm.lock has an entry for a different source (run `ucvm fetch --update-lock`). */
  lockStale: boolean;
}

export function listComponents(config: UcvmConfig, lock?: Lockfile): ComponentRow[] {
  return config.components.map((c) => {
    const source = sourceIdentity(c);
    const entry = lock?.components[c.name];
    const lockUsable = entry !== undefined && entry.source === source;
    const sha256 = c.sha256 ?? (lockUsable ? entry.sha256 : null);
    return {
      name: c.name,
      version: c.version,
      release: c.release,
      strongVersion: componentStrongVersion(c.version, c.release, config.arch),
      role: c.role,
      source,
      sha256,
      digestFrom: c.sha256 ? 'config' : lockUsable ? 'lock' : null,
      lockStale: entry !== undefined && !lockUsable,
    };
  });
}
