/**
 * Item 7 of issue 18: each failure gets its own code and a true hint — a blob entry that is a link, or a
 * descriptor lying about its size, is not "no content the host can run" (ERR_PLATFORM_NOT_FOUND).
 */
import { describe, expect, it } from 'vitest';
import { MediaType } from '../../src/oci/mediatypes.js';
import { tarBytes } from '../helpers/tar.js';
import { blob, imageOf, layoutTar } from './hostile-corpus.js';
import { useImportSandboxes } from './import-sandbox.js';

const { expectRefused } = useImportSandboxes();

async function oneLayerImage() {
  return imageOf([{ tar: await tarBytes([{ name: 'etc/hostname', data: 'codes' }]) }]);
}

describe.concurrent('ferry import names the real fault', () => {
  it('a blob entry that is a symlink is refused as such (ERR_UNSUPPORTED_ARCHIVE), not as a platform problem', async () => {
    const { blobs, indexJson } = await oneLayerImage();
    const layer = blobs.at(-1)!;
    const archive = await layoutTar(indexJson, blobs.slice(0, -1), [
      { name: 'layer-bytes', data: layer.bytes },
      { name: `blobs/sha256/${layer.desc.digest.slice(7)}`, type: 'symlink', linkname: '../../layer-bytes' },
    ]);
    const stderr = await expectRefused(archive, 'ERR_UNSUPPORTED_ARCHIVE');
    expect(stderr).toContain(`blobs/sha256/${layer.desc.digest.slice(7)} is a link`);
  });

  it('a blob entry that is a hard link is refused as such (ERR_UNSUPPORTED_ARCHIVE)', async () => {
    const { blobs, indexJson } = await oneLayerImage();
    const layer = blobs.at(-1)!;
    const archive = await layoutTar(indexJson, blobs.slice(0, -1), [
      { name: 'layer-bytes', data: layer.bytes },
      { name: `blobs/sha256/${layer.desc.digest.slice(7)}`, type: 'link', linkname: 'layer-bytes' },
    ]);
    await expectRefused(archive, 'ERR_UNSUPPORTED_ARCHIVE');
  });

  it('a layer descriptor claiming 3 GB for a small blob is a size mismatch (ERR_SIZE_MISMATCH) naming the digest', async () => {
    const { blobs, manifest, indexJson } = await oneLayerImage();
    const doc = JSON.parse(manifest.bytes.toString());
    doc.layers[0].size = 3e9;
    const lying = blob(MediaType.ociManifest, JSON.stringify(doc));
    const index = JSON.parse(indexJson.toString());
    index.manifests[0] = { ...index.manifests[0], digest: lying.desc.digest, size: lying.desc.size };
    const stderr = await expectRefused(await layoutTar(JSON.stringify(index), [...blobs.filter((b) => b !== manifest), lying]), 'ERR_SIZE_MISMATCH');
    expect(stderr).toContain(`${doc.layers[0].digest} as 3000000000 bytes`);
  });

  it('an index.json entry claiming 3 GB for a small manifest is a size mismatch (ERR_SIZE_MISMATCH)', async () => {
    const { blobs, indexJson } = await oneLayerImage();
    const index = JSON.parse(indexJson.toString());
    index.manifests[0].size = 3e9;
    const stderr = await expectRefused(await layoutTar(JSON.stringify(index), blobs), 'ERR_SIZE_MISMATCH');
    expect(stderr).toContain('as 3000000000 bytes');
  });

  it('a host manifest whose layer is absent is incomplete (ERR_INCOMPLETE), not "no content the host can run"', async () => {
    const { blobs, indexJson } = await oneLayerImage();
    const stderr = await expectRefused(await layoutTar(indexJson, blobs.slice(0, -1)), 'ERR_INCOMPLETE');
    expect(stderr).toContain(blobs.at(-1)!.desc.digest);
  });
});
