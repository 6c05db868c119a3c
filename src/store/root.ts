import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * Where the local store lives: `--root`, else `FERRY_ROOT`, else `$XDG_DATA_HOME/ferry`, else
 * `~/.local/share/ferry` (the XDG default for data a user would not want to lose on a cache clean).
 * Empty values count as unset, as the XDG spec asks for `XDG_DATA_HOME`.
 */
export function resolveStoreRoot(opts: { root?: string }, env: NodeJS.ProcessEnv = process.env): string {
  if (opts.root) return resolve(opts.root);
  if (env.FERRY_ROOT) return resolve(env.FERRY_ROOT);
  // XDG says a relative XDG_DATA_HOME is invalid and must be ignored.
  const xdg = env.XDG_DATA_HOME;
  if (xdg && xdg.startsWith('/')) return join(xdg, 'ferry');
  return join(env.HOME || homedir(), '.local', 'share', 'ferry');
}
