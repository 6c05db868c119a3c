import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { FerryError } from '../errors.js';

export interface Credentials {
  username: string;
  password: string;
}

/** `--creds user:pass`: the password may itself contain colons; the user name may not. */
export function parseCreds(value: string): Credentials {
  const colon = value.indexOf(':');
  if (colon <= 0) {
    throw new FerryError('ERR_USAGE', '--creds must be USER:PASSWORD', { hint: 'for example --creds alice:s3cret' });
  }
  return { username: value.slice(0, colon), password: value.slice(colon + 1) };
}

/** Docker Hub is stored under its legacy v1 URL in docker's config. */
const DOCKER_HUB_KEYS = ['https://index.docker.io/v1/', 'index.docker.io', 'docker.io', 'registry-1.docker.io'];

/** `https://host:5000/v1/` and `host:5000` name the same registry in a docker config. */
function registryKey(key: string): string {
  return key.replace(/^[a-z]+:\/\//i, '').replace(/\/.*$/, '');
}

/** Where docker keeps its client configuration: $DOCKER_CONFIG/config.json, else ~/.docker/config.json. */
export function dockerConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.DOCKER_CONFIG ?? join(homedir(), '.docker'), 'config.json');
}

/**
 * Credentials for a registry from docker's config file, `auths.<registry>.auth` (base64 `user:pass`) or the
 * `username`/`password` fields. Credential helpers (`credsStore`, `credHelpers`) are not run: ferry does not
 * execute programs named in a config file; such users pass `--creds`. A missing or unreadable file means none.
 */
export async function dockerConfigCredentials(domain: string, path = dockerConfigPath()): Promise<Credentials | undefined> {
  let config: unknown;
  try {
    config = JSON.parse(await readFile(path, 'utf8'));
  } catch {
    return undefined;
  }
  const auths = (config as { auths?: Record<string, { auth?: string; username?: string; password?: string }> }).auths;
  if (!auths || typeof auths !== 'object') return undefined;
  const wanted = domain === 'docker.io' ? new Set(DOCKER_HUB_KEYS.map(registryKey)) : new Set([domain]);
  for (const [key, entry] of Object.entries(auths)) {
    if (!wanted.has(registryKey(key)) || !entry || typeof entry !== 'object') continue;
    if (typeof entry.auth === 'string' && entry.auth !== '') {
      const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon > 0) return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
    }
    if (typeof entry.username === 'string' && typeof entry.password === 'string') return { username: entry.username, password: entry.password };
  }
  return undefined;
}
