import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { readDocument } from '../../src/graph/read-document.js';
import type { Descriptor } from '../../src/oci/descriptor.js';
import { digestOf } from '../../src/oci/digest.js';
import { ImageConfigSchema, ManifestSchema } from '../../src/oci/schemas.js';
import type { ContentSource } from '../../src/oci/transport.js';
import { Store } from '../../src/store/index.js';
import { unpackImage } from '../../src/unpack/index.js';
import type { BuiltImage } from '../helpers/image-builder.js';
import { tempDir } from '../helpers/temp-dir.js';

/** Copies every blob of a built image into `store` and names its index. */
export async function storeImage(store: Store, image: BuiltImage, name: string): Promise<void> {
  for (const [digest, bytes] of image.content.blobs) await store.write({ digest, size: bytes.length }, Readable.from([bytes]));
  await store.putImages([{ name, target: image.index.desc }]);
}

/**
 * Unpacks a manifest into a fresh directory and describes what is there: one line per path with its type,
 * mode and content digest (or link target), so two unpacks compare with one `toEqual`.
 */
export async function unpackedTree(source: ContentSource, manifest: Descriptor): Promise<string[]> {
  const { dir, cleanup } = await tempDir('ferry-convert-unpack-');
  try {
    const m = (await readDocument(source, manifest, ManifestSchema)).value;
    const config = (await readDocument(source, m.config, ImageConfigSchema)).value;
    await unpackImage(source, m.layers, config.rootfs.diff_ids, join(dir, 'rootfs'), { isRoot: false });
    return await describeTree(join(dir, 'rootfs'));
  } finally {
    await cleanup();
  }
}

async function describeTree(root: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const name of (await readdir(join(root, prefix))).sort()) {
    const rel = prefix ? `${prefix}/${name}` : name;
    const st = await lstat(join(root, rel));
    const mode = (st.mode & 0o7777).toString(8);
    if (st.isSymbolicLink()) out.push(`${rel} -> ${await readlink(join(root, rel))}`);
    else if (st.isDirectory()) out.push(`${rel}/ ${mode}`, ...(await describeTree(root, rel)));
    else out.push(`${rel} ${mode} ${st.nlink > 1 ? 'linked ' : ''}${digestOf(await readFile(join(root, rel)))}`);
  }
  return out;
}
