import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/ferry', import.meta.url));

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the built `bin/ferry` (npm test builds first) as a user would, optionally feeding stdin. With `timeoutMs`, a
 * run that has not ended by then is killed and reported as exit -1 with "timed out" on stderr (a hang fails the test
 * that asked instead of the whole suite).
 */
export function runFerry(args: string[], opts: { env?: Record<string, string>; stdin?: Buffer; cwd?: string; timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { ...process.env, ...opts.env },
      cwd: opts.cwd ?? process.cwd(),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    const timer = opts.timeoutMs === undefined ? undefined : setTimeout(() => {
      err.push(Buffer.from(`timed out after ${opts.timeoutMs} ms\n`));
      child.kill('SIGKILL');
    }, opts.timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(opts.stdin);
  });
}

/** Runs ferry and parses its --json output, failing with stderr when it did not succeed. */
export async function runFerryJson<T = unknown>(args: string[], opts: Parameters<typeof runFerry>[1] = {}): Promise<T> {
  const result = await runFerry([...args, '--json'], opts);
  if (result.code !== 0) throw new Error(`ferry ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
  return JSON.parse(result.stdout) as T;
}
