import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CorpusPlatform } from './platforms.js';

/**
 * Downloads Debian's `busybox-static` for each platform with `apt-get download`, through a private apt
 * configuration (architectures, lists and caches under `cacheDir`), so the machine's own apt state is never
 * changed. Returns the directory each package was extracted to, by Debian architecture.
 */
export function fetchBusybox(cacheDir: string, platforms: CorpusPlatform[]): Map<string, string> {
  const debs = join(cacheDir, 'debs');
  const extracted = new Map<string, string>();
  const wanted = platforms.map((p) => p.deb);
  if (!existsSync(debs) || !wanted.every((arch) => readdirSync(debs).some((n) => n.endsWith(`_${arch}.deb`)))) {
    download(cacheDir, debs, wanted);
  }
  for (const arch of wanted) {
    const deb = readdirSync(debs).find((n) => n.endsWith(`_${arch}.deb`));
    if (!deb) throw new Error(`apt-get download left no busybox-static for ${arch} in ${debs}`);
    const dir = join(cacheDir, 'busybox', arch);
    if (!existsSync(join(dir, 'bin', 'busybox'))) {
      mkdirSync(dir, { recursive: true });
      execFileSync('dpkg-deb', ['-x', join(debs, deb), dir]);
    }
    extracted.set(arch, dir);
  }
  return extracted;
}

function download(cacheDir: string, debs: string, arches: string[]): void {
  const apt = join(cacheDir, 'apt');
  for (const d of [join(apt, 'lists', 'partial'), join(apt, 'cache', 'archives', 'partial'), debs]) mkdirSync(d, { recursive: true });
  const conf = join(apt, 'apt.conf');
  writeFileSync(
    conf,
    [
      `APT::Architectures { ${arches.map((a) => `"${a}";`).join(' ')} };`,
      `Dir::State::Lists "${join(apt, 'lists')}";`,
      `Dir::Cache "${join(apt, 'cache')}";`,
      // Root downloads into a directory the _apt sandbox user could not write.
      'APT::Sandbox::User "root";',
      'Acquire::Languages "none";',
      '',
    ].join('\n'),
  );
  const env = { ...process.env, APT_CONFIG: conf };
  // A mirror can briefly fail: retry like .ci/run does.
  for (let attempt = 1; ; attempt++) {
    try {
      execFileSync('apt-get', ['update', '-qq'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
      break;
    } catch (err) {
      if (attempt === 3) throw err;
      execFileSync('sleep', [String(attempt * 5)]);
    }
  }
  execFileSync('apt-get', ['download', '-qq', ...arches.map((a) => `busybox-static:${a}`)], { env, cwd: debs, stdio: ['ignore', 'ignore', 'pipe'] });
}
