import { spawn } from 'node:child_process';
import { FerryError } from '../errors.js';
import type { Credentials } from './credentials.js';

/** How long a helper may take (a keychain prompt is answered by a person). */
const HELPER_TIMEOUT_MS = 60_000;

/**
 * Runs `docker-credential-<name> get` as the docker CLI does: the server on stdin, `{"Username","Secret"}` on
 * stdout. A helper that knows no credentials for the server ("credentials not found") gives `fallback` (the
 * config's `auths` entry, as docker falls back to it), else anonymous access; so does a helper that is not
 * installed (a stale credsStore, as Docker Desktop leaves behind, must not break anonymous pulls): a registry
 * that wants credentials then says so, and its error names the helpers.
 * The name comes from the user's own config file; it may not be a path, so only programs on PATH run.
 */
export async function runCredentialHelper(name: string, server: string, configPath: string, fallback?: Credentials): Promise<Credentials | undefined> {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) {
    throw new FerryError('ERR_USAGE', `${configPath} names the credential helper ${JSON.stringify(name)}, which is not a helper name`, {
      path: configPath,
      hint: 'credsStore and credHelpers name a docker-credential-<name> program on PATH, such as "pass" or "secretservice"',
    });
  }
  const program = `docker-credential-${name}`;
  const ran = await run(program, server);
  if (!ran) return fallback;
  const { code, stdout, stderr } = ran;
  if (code !== 0) {
    if (/credentials not found/i.test(stdout + stderr)) return fallback;
    throw new FerryError('ERR_UNAUTHORIZED', `${program} get failed for ${server}: ${(stderr || stdout).trim().split('\n')[0] ?? `exit ${code}`}`, {
      path: configPath,
      hint: `log in again (docker login ${server}), or pass --creds-file`,
    });
  }
  let reply: { Username?: unknown; Secret?: unknown };
  try {
    reply = JSON.parse(stdout) as typeof reply;
  } catch {
    throw new FerryError('ERR_UNAUTHORIZED', `${program} get printed no JSON for ${server}`, { path: configPath, hint: 'check the helper, or pass --creds-file' });
  }
  if (typeof reply.Username !== 'string' || typeof reply.Secret !== 'string' || reply.Secret === '') return fallback;
  return { username: reply.Username, password: reply.Secret };
}

/** The helper's exit code and output; undefined when it is not installed. */
function run(program: string, input: string): Promise<{ code: number; stdout: string; stderr: string } | undefined> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, ['get'], { stdio: ['pipe', 'pipe', 'pipe'] });
    // Our own timer, not spawn's `timeout`: that one is only cleared on exit, which a program never started never has.
    const timer = setTimeout(() => child.kill(), HELPER_TIMEOUT_MS);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (err.code === 'ENOENT') resolve(undefined);
      else reject(new FerryError('ERR_UNAUTHORIZED', `cannot run ${program}: ${err.message}`, { hint: 'check the helper, or pass --creds-file' }));
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
  });
}
