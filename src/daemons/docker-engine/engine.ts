import { existsSync } from 'node:fs';
import { once } from 'node:events';
import { request, type IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { FerryError } from '../../errors.js';

export const DEFAULT_DOCKER_SOCKET = '/var/run/docker.sock';

/** The socket named by `--docker-host` or DOCKER_HOST (`unix:///path` or a path); only local sockets are spoken. */
export function dockerSocket(host: string | undefined): string {
  const value = host || process.env.DOCKER_HOST || `unix://${DEFAULT_DOCKER_SOCKET}`;
  if (value.startsWith('unix://')) return value.slice('unix://'.length);
  if (value.startsWith('/')) return value;
  throw new FerryError('ERR_UNSUPPORTED', `docker host ${JSON.stringify(value)} is not a unix socket`, {
    hint: 'ferry talks to the docker engine on its local socket: --docker-host unix:///var/run/docker.sock',
  });
}

/** The docker engine API over its unix socket (node:http, no client library). */
export class DockerEngine {
  constructor(readonly socket: string) {
    if (!existsSync(socket)) {
      throw new FerryError('ERR_DAEMON', `no docker engine socket at ${socket}`, {
        path: socket,
        hint: 'start dockerd, or name its socket with --docker-host (or DOCKER_HOST)',
      });
    }
  }

  /**
   * One API call; a body is streamed with `pipeline`. A status of 400 or more is the engine's refusal: its JSON
   * `message` becomes the error. The response is returned unread otherwise.
   */
  async call(method: string, path: string, doing: string, body?: { stream: Readable; type: string }): Promise<IncomingMessage> {
    const req = request({ socketPath: this.socket, method, path, headers: body ? { 'content-type': body.type } : {} });
    const responded = once(req, 'response') as Promise<[IncomingMessage]>;
    const sent = body ? pipeline(body.stream, req) : new Promise<void>((resolve) => req.end(resolve));
    let res: IncomingMessage;
    try {
      [res] = await responded;
    } catch (err) {
      sent.catch(() => undefined);
      throw new FerryError('ERR_DAEMON', `the docker engine at ${this.socket} failed ${doing}: ${(err as Error).message}`, { path: this.socket, hint: 'is dockerd running?', cause: err });
    }
    if ((res.statusCode ?? 500) >= 400) {
      sent.catch(() => undefined);
      const text = await readText(res);
      throw new FerryError('ERR_DAEMON', `the docker engine refused ${doing}: ${engineMessage(text)}`, { path: this.socket, hint: 'see the message; docker info shows the engine' });
    }
    await sent;
    return res;
  }

  async json<T>(path: string, doing: string): Promise<T> {
    return JSON.parse(await readText(await this.call('GET', path, doing))) as T;
  }
}

export async function readText(res: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function engineMessage(text: string): string {
  try {
    return String((JSON.parse(text) as { message?: unknown }).message ?? text).trim();
  } catch {
    return text.trim().slice(0, 300);
  }
}
