import { createReadStream } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';

/**
 * An OCI image layout directory (`skopeo copy … oci:DIR`, umoci, `buildx --output type=oci,tar=false`) as the tar
 * stream its archive would be, so it is read, verified and imported by the one archive reader: metadata first,
 * then blobs. Only regular files are taken; a symlink in a layout is not followed out of it.
 */
export async function layoutDirectoryStream(dir: string): Promise<{ stream: Readable; size: number }> {
  const files = await regularFiles(dir);
  files.sort((a, b) => rank(a.name) - rank(b.name) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const pack = tar.pack();
  void (async () => {
    for (const file of files) {
      const entry = pack.entry({ name: file.name, size: file.size, mode: 0o644, mtime: new Date(0) });
      await pipeline(createReadStream(join(dir, file.name), { highWaterMark: 1024 * 1024 }), entry);
    }
    pack.finalize();
  })().catch((err: unknown) => pack.destroy(err as Error));
  // tar-stream's pack is a streamx stream: seen through Readable.from, its errors reach the reader like any other.
  return { stream: Readable.from(pack, { objectMode: false }), size: files.reduce((sum, f) => sum + f.size, 0) };
}

/** Metadata before blobs, as ferry writes archives: a streaming reader sees what the blobs are as they come. */
function rank(name: string): number {
  return name.startsWith('blobs/') ? 1 : 0;
}

async function regularFiles(root: string, dir = root): Promise<{ name: string; size: number }[]> {
  const out: { name: string; size: number }[] = [];
  for (const item of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, item.name);
    if (item.isDirectory()) out.push(...(await regularFiles(root, path)));
    else if (item.isFile()) out.push({ name: relative(root, path).split('\\').join('/'), size: (await lstat(path)).size });
  }
  return out;
}
