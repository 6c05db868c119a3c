/**
 * Item 3 of issue 18: snapshot reuse does not trust the config. An image whose config claims the diff_ids of an
 * image already unpacked in the store (so its snapshot name matches) must not get that snapshot unless its own
 * layers have those diffIDs: the import is refused and the store is left as it was.
 */
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { tarBytes } from '../helpers/tar.js';
import { imageOf, layoutTar, validLayerEntries } from './hostile-corpus.js';
import { useImportSandboxes } from './import-sandbox.js';

const { expectRefused } = useImportSandboxes();

describe('snapshot reuse', () => {
  it('prevents an image claiming another image\'s diff_ids from getting its snapshot unchecked (ERR_DIGEST_MISMATCH)', async () => {
    // The template store holds validArchive()'s image, unpacked; this config claims that layer's diffID.
    const claimed = await tarBytes(validLayerEntries());
    const own = await tarBytes([{ name: 'etc/', type: 'directory' }, { name: 'etc/hostname', data: 'impostor' }]);
    const { blobs, indexJson } = imageOf([{ tar: claimed, blob: gzipSync(own) }]);
    const stderr = await expectRefused(await layoutTar(indexJson, blobs), 'ERR_DIGEST_MISMATCH');
    expect(stderr).toContain('expected diffID');
  });
});
