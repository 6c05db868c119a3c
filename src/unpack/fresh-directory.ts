import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, rm, rmdir } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { FerryError } from '../errors.js';

export interface FreshDirectoryOptions {
  /** Replace a non-empty `dir` wholly (never merge into it). */
  force?: boolean;
  /** What the user can do instead, for the refusal of a non-empty `dir`. */
  hint: string;
}

/**
 * Runs `work` on a new temporary sibling of `dir` and renames the result into place only when it succeeded, so a
 * failure leaves `dir` exactly as it was and a success never mixes the new tree with old files (whose names a
 * layer's whiteouts could otherwise delete). `dir` must not exist or be empty, unless `force`: then it is
 * replaced, moved aside and removed only after the new tree is in place.
 */
export async function intoFreshDirectory<T>(dir: string, opts: FreshDirectoryOptions, work: (temp: string) => Promise<T>): Promise<T> {
  const target = resolve(dir);
  const state = await directoryState(target, opts.hint);
  if (state === 'full' && !opts.force) {
    throw new FerryError('ERR_CONFLICT', `${target} is not empty`, { path: target, hint: opts.hint });
  }
  await mkdir(dirname(target), { recursive: true });
  const temp = siblingName(target, 'new');
  await mkdir(temp, { mode: 0o755 });
  let result: T;
  try {
    result = await work(temp);
  } catch (err) {
    await rm(temp, { recursive: true, force: true });
    throw err;
  }
  if (state === 'full') {
    const old = siblingName(target, 'old');
    await rename(target, old);
    await rename(temp, target);
    await rm(old, { recursive: true, force: true });
  } else {
    if (state === 'empty') await rmdir(target);
    await rename(temp, target);
  }
  return result;
}

async function directoryState(dir: string, hint: string): Promise<'absent' | 'empty' | 'full'> {
  try {
    return (await readdir(dir)).length === 0 ? 'empty' : 'full';
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return 'absent';
    if (code === 'ENOTDIR') throw new FerryError('ERR_CONFLICT', `${dir} is a file`, { path: dir, hint });
    throw err;
  }
}

function siblingName(target: string, role: string): string {
  return join(dirname(target), `.${basename(target)}.ferry-${role}-${process.pid}-${randomBytes(6).toString('hex')}`);
}
