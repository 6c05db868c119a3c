import { describe, expect, it } from 'vitest';
import { resolveImage } from '../../src/graph/resolve.js';
import type { Descriptor } from '../../src/oci/descriptor.js';
import { MediaType } from '../../src/oci/mediatypes.js';
import { MemoryContent } from '../helpers/memory-content.js';

/** A MemoryContent that counts what it is asked. */
class CountingContent extends MemoryContent {
  hasCalls = 0;
  fetchCalls = 0;

  override has(desc: Pick<Descriptor, 'digest'>) {
    this.hasCalls++;
    return super.has(desc);
  }

  override fetch(desc: Descriptor) {
    this.fetchCalls++;
    return super.fetch(desc);
  }
}

describe('resolveImage', () => {
  it('prevents an index that lists one 40,000-layer manifest 200 times from re-reading it: each blob is looked up once', async () => {
    const source = new CountingContent();
    const config = source.put(MediaType.ociConfig, JSON.stringify({ os: 'linux', architecture: 'amd64', rootfs: { type: 'layers', diff_ids: [] } }));
    const layers: Descriptor[] = [];
    for (let i = 0; i < 40_000; i++) {
      const digest = `sha256:${i.toString(16).padStart(64, '0')}`;
      layers.push({ mediaType: MediaType.ociLayerGzip, digest, size: 100 });
      // Every other layer is present: the rest are reported missing, per manifest descriptor.
      if (i % 2 === 0) source.blobs.set(digest, Buffer.alloc(0));
    }
    const manifest = source.put(MediaType.ociManifest, JSON.stringify({ schemaVersion: 2, mediaType: MediaType.ociManifest, config, layers }));
    const platform = { os: 'linux', architecture: 'amd64' };
    const index = source.put(MediaType.ociIndex, JSON.stringify({ schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: Array(200).fill({ ...manifest, platform }) }));
    source.hasCalls = 0;
    source.fetchCalls = 0;

    const started = performance.now();
    const resolved = await resolveImage(source, index, { all: true });
    expect(performance.now() - started).toBeLessThan(20_000);
    expect(resolved.selected).toHaveLength(200);
    for (const image of [resolved.selected[0]!, resolved.selected[199]!]) {
      expect(image.layers).toHaveLength(40_000);
      expect(image.missing).toHaveLength(20_000);
      expect(image.platform).toEqual(platform);
    }
    // The index, the manifest, its config and its layers: one has() each, plus the target's own check.
    expect(source.hasCalls).toBe(1 + 1 + 1 + 40_000);
    expect(source.fetchCalls).toBe(2);
  });
});
