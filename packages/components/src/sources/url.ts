import { rm } from 'node:fs/promises';
import { download, type HttpOptions } from '../cache/http.js';
import type { CacheStore, StoredObject } from '../cache/store.js';

export interface UrlFetchResult {
  object: StoredObject;
  /** False when the verified object was already in the cache (no network I/O). */
  downloaded: boolean;
}

/**
 * A `url` source (build.md §4): pinned by sha256, looked up in the cache by that digest,
 * otherwise downloaded under the object's lock to a temporary name, verified, renamed.
 */
export async function fetchUrl(args: {
  component: string;
  url: string;
  sha256: string;
  store: CacheStore;
  http?: HttpOptions;
}): Promise<UrlFetchResult> {
  const { store, sha256 } = args;
  const hit = await store.get(sha256);
  if (hit) return { object: hit, downloaded: false };
  return store.lock(sha256, async () => {
    // Another fetch may have finished it while we waited for the lock.
    const done = await store.get(sha256);
    if (done) return { object: done, downloaded: false };
    const tmp = await store.tempPath();
    try {
      await download(args.url, tmp, args.http);
      const object = await store.commit(tmp, sha256, { component: args.component, from: args.url });
      return { object, downloaded: true };
    } finally {
      await rm(tmp, { force: true });
    }
  });
}
