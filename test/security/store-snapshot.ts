import { createHash } from 'node:crypto';
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Everything under `dir` as sorted lines `<path> <type> <mode> <sha256 or link target>`: two snapshots are equal
 * exactly when no file, directory, link or permission was added, removed or changed (mtimes aside: a failed
 * import may touch a directory's mtime by creating and removing a temp file in it).
 */
export async function snapshotTree(dir: string): Promise<string[]> {
  const lines: string[] = [];
  async function walk(rel: string): Promise<void> {
    for (const name of (await readdir(join(dir, rel))).sort()) {
      const path = join(rel, name);
      const info = await lstat(join(dir, path));
      const mode = (info.mode & 0o7777).toString(8);
      if (info.isDirectory()) {
        lines.push(`${path}/ dir ${mode}`);
        await walk(path);
      } else if (info.isSymbolicLink()) {
        lines.push(`${path} symlink -> ${await readlink(join(dir, path))}`);
      } else if (info.isFile()) {
        lines.push(`${path} file ${mode} ${createHash('sha256').update(await readFile(join(dir, path))).digest('hex')}`);
      } else {
        lines.push(`${path} special ${mode}`);
      }
    }
  }
  await walk('');
  return lines;
}
