import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { FerryError } from '../errors.js';
import { runCredentialHelper } from './credential-helper.js';

export interface Credentials {
  username: string;
  password: string;
}

/** `USER:PASSWORD` (--creds, or the first line of --creds-file): the password may itself contain colons; the user name may not. */
export function parseCreds(value: string): Credentials {
  const colon = value.indexOf(':');
  if (colon <= 0) {
    throw new FerryError('ERR_USAGE', 'credentials must be USER:PASSWORD', { hint: 'for example alice:s3cret, on the first line of --creds-file' });
  }
  return { username: value.slice(0, colon), password: value.slice(colon + 1) };
}

/**
 * `--creds-file FILE` (`-`: stdin): `USER:PASSWORD` on the first line, so the password never shows in `ps` or the
 * shell history as `--creds` would.
 */
export async function readCredsFile(path: string, stdin: NodeJS.ReadableStream = process.stdin): Promise<Credentials> {
  let text: string;
  try {
    text = path === '-' ? await readAll(stdin) : await readFile(path, 'utf8');
  } catch (err) {
    throw new FerryError('ERR_USAGE', `cannot read --creds-file ${path}: ${(err as Error).message}`, { path, hint: 'name a file holding USER:PASSWORD, or - for stdin' });
  }
  return parseCreds(text.split(/\r?\n/)[0] ?? '');
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

/** Docker Hub is stored under its legacy v1 URL in docker's config. */
const DOCKER_HUB_KEYS = ['https://index.docker.io/v1/', 'index.docker.io', 'docker.io', 'registry-1.docker.io'];
const DOCKER_HUB_SERVER = 'https://index.docker.io/v1/';

/** `https://host:5000/v1/` and `host:5000` name the same registry in a docker config. */
function registryKey(key: string): string {
  return key.replace(/^[a-z]+:\/\//i, '').replace(/\/.*$/, '');
}

/** Where docker keeps its client configuration: $DOCKER_CONFIG/config.json, else ~/.docker/config.json. */
export function dockerConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.DOCKER_CONFIG ?? join(homedir(), '.docker'), 'config.json');
}

interface DockerConfig {
  auths?: Record<string, { auth?: string; username?: string; password?: string } | null>;
  credsStore?: string;
  credHelpers?: Record<string, string>;
}

/**
 * Credentials for a registry from docker's config file, as the docker CLI finds them: the registry's
 * `credHelpers` entry, else the `credsStore`, runs `docker-credential-<name> get` (found on PATH); without a
 * helper (or when the helper knows nothing for it), `auths.<registry>`. A missing or unreadable file means none.
 */
export async function dockerConfigCredentials(domain: string, path = dockerConfigPath()): Promise<Credentials | undefined> {
  let config: DockerConfig;
  try {
    config = JSON.parse(await readFile(path, 'utf8')) as DockerConfig;
  } catch {
    return undefined;
  }
  if (!config || typeof config !== 'object') return undefined;
  const wanted = domain === 'docker.io' ? new Set(DOCKER_HUB_KEYS.map(registryKey)) : new Set([domain]);
  const fromAuths = authsEntry(config, wanted);
  const helper = Object.entries(config.credHelpers ?? {}).find(([key]) => wanted.has(registryKey(key)))?.[1] ?? config.credsStore;
  if (typeof helper === 'string' && helper !== '') {
    return runCredentialHelper(helper, domain === 'docker.io' ? DOCKER_HUB_SERVER : domain, path, fromAuths);
  }
  return fromAuths;
}

/** `auths.<registry>`: `auth` (base64 `user:pass`) or `username`/`password`. */
function authsEntry(config: DockerConfig, wanted: Set<string>): Credentials | undefined {
  for (const [key, entry] of Object.entries(config.auths ?? {})) {
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
