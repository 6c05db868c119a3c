import { isComplete, resolveImage } from '../graph/resolve.js';
import { formatPlatform } from '../platform/index.js';
import type { Store } from '../store/index.js';

export interface ImageListing {
  name: string;
  digest: string;
  mediaType: string;
  size: number;
  /** Platforms whose content is all in the store. */
  platforms: string[];
  /** Platforms the index names but the store holds only in part (or not at all). */
  partial: string[];
}

/** Every image record with what the store really holds of it. */
export async function listImages(store: Store): Promise<ImageListing[]> {
  const records = await store.listImages();
  return Promise.all(
    records.map(async (record) => {
      const resolved = await resolveImage(store, record.target, { all: true }).catch(() => undefined);
      const label = (p: { platform?: Parameters<typeof formatPlatform>[0] }) => (p.platform ? formatPlatform(p.platform) : 'unknown');
      return {
        name: record.name,
        digest: record.target.digest,
        mediaType: record.target.mediaType,
        size: record.target.size,
        platforms: resolved ? resolved.selected.filter(isComplete).map(label) : [],
        partial: resolved ? resolved.selected.filter((s) => !isComplete(s)).map(label) : ['(index missing)'],
      };
    }),
  );
}
