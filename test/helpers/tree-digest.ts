import { createHash } from 'node:crypto';
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * One line per entry under `dir` (path, type, permission bits, size, content digest or link target, link count),
 * sorted: two unpacked trees are identical exactly when their lines are.
 */
export async function treeLines(dir: string): Promise<string[]> {
  const lines: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    for (const name of (await readdir(join(dir, rel))).sort()) {
      const path = rel ? `${rel}/${name}` : name;
      const st = await lstat(join(dir, path));
      const mode = (st.mode & 0o7777).toString(8);
      if (st.isDirectory()) {
        lines.push(`d ${path} ${mode}`);
        await walk(path);
      } else if (st.isSymbolicLink()) {
        lines.push(`l ${path} -> ${await readlink(join(dir, path))}`);
      } else {
        const sha = createHash('sha256').update(await readFile(join(dir, path))).digest('hex');
        lines.push(`f ${path} ${mode} ${st.size} ${sha} links=${st.nlink}`);
      }
    }
  };
  await walk('');
  return lines;
}
