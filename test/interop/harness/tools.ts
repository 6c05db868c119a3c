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

/**
 * Whether the tests that drive `name` run: when it is installed, and always in CI (CI=true), where a missing
 * tool must fail the test rather than skip it. Locally a missing tool skips, with one line naming the package.
 */
export function toolForTests(name: string, debianPackage: string): boolean {
  if (hasTool(name)) return true;
  if (process.env.CI === 'true') return true;
  console.warn(`skipping tests that need ${name}: apt-get install ${debianPackage}`);
  return false;
}
