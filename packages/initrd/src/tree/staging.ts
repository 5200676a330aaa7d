import { type CpioEntry, compareArchivePaths, normalizeArchivePath } from '../cpio/newc.js';
import { InitrdError } from '../errors.js';
import { normalizeRootPath } from './lookup.js';

/** A cpio entry with the component it came from (for sizes per component and the SBOM). */
export type StagedEntry = CpioEntry & { component: string };

/**
 * The initrd's contents as an in-memory entry list, keyed by path. Two components may both
 * provide the same directory or an identical file or symlink; anything else at one path is a
 * conflict naming both components.
 */
export class Staging {
  readonly #entries = new Map<string, StagedEntry>();

  get(path: string): StagedEntry | undefined {
    return this.#entries.get(normalizeRootPath(path));
  }

  has(path: string): boolean {
    return this.#entries.has(normalizeRootPath(path));
  }

  /** Adds an entry; returns false when an identical one was already there. */
  add(entry: StagedEntry): boolean {
    const path = normalizeArchivePath(entry.path);
    const existing = this.#entries.get(path);
    if (existing === undefined) {
      this.#entries.set(path, { ...entry, path } as StagedEntry);
      return true;
    }
    if (sameContent(existing, entry)) return false;
    throw new InitrdError(
      'STAGING_CONFLICT',
      `/${path} is provided twice with different content: as a ${existing.kind} by ${existing.component} and as a ${entry.kind} by ${entry.component}`,
      'drop the path from one of the two components (their `files` selection) or map it elsewhere',
      2,
    );
  }

  /** Replaces (or adds) an entry on purpose: generated files such as modules.dep. */
  set(entry: StagedEntry): void {
    const path = normalizeArchivePath(entry.path);
    this.#entries.set(path, { ...entry, path } as StagedEntry);
  }

  /** Follows staged symlinks from `path` to a staged regular file (or undefined). */
  resolveFile(path: string): StagedEntry | undefined {
    let current = normalizeRootPath(path);
    for (let hops = 0; hops < 40; hops++) {
      const e = this.#entries.get(current);
      if (e?.kind === 'symlink') {
        const dir = current.includes('/') ? current.slice(0, current.lastIndexOf('/')) : '';
        current = normalizeRootPath(e.target.startsWith('/') ? e.target : `${dir}/${e.target}`);
        continue;
      }
      if (e?.kind === 'hardlink') return this.#entries.get(e.target);
      return e?.kind === 'file' ? e : undefined;
    }
    return undefined;
  }

  entries(): StagedEntry[] {
    return [...this.#entries.values()].sort((a, b) => compareArchivePaths(a.path, b.path));
  }
}

function sameContent(a: StagedEntry, b: StagedEntry): boolean {
  if (a.kind !== b.kind) return false;
  switch (a.kind) {
    case 'dir':
      return true;
    case 'file':
      return (
        b.kind === 'file' &&
        a.mode === b.mode &&
        Buffer.compare(Buffer.from(a.data), Buffer.from(b.data)) === 0
      );
    case 'symlink':
    case 'hardlink':
      return (b as { target: string }).target === a.target;
    case 'char':
    case 'block':
      return b.kind === a.kind && a.major === b.major && a.minor === b.minor && a.mode === b.mode;
  }
}
