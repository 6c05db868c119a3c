import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { CliResult } from '../helpers/cli.js';

const BIN = fileURLToPath(new URL('../../bin/ferry', import.meta.url));

/** The unprivileged user Debian and most images have. */
export const NOBODY = { uid: 65534, gid: 65534 };

/** Runs bin/ferry as another user (the caller must be root), to test what ferry does without privileges. */
export function runFerryAs(user: { uid: number; gid: number }, args: string[], cwd: string): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { ...user, cwd, env: { ...process.env, HOME: cwd } }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}
