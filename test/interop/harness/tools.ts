import { execFileSync } from 'node:child_process';

/** Whether a peer tool is installed (the interop tests name the Debian package that provides it). */
export function hasTool(name: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Runs a peer tool and returns its stdout; a failure throws with the tool's stderr. */
export function run(cmd: string, args: string[], opts: { input?: Buffer } = {}): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 28, ...(opts.input ? { input: opts.input } : {}), stdio: ['pipe', 'pipe', 'pipe'] });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')} failed: ${e.stderr || e.message}`);
  }
}
