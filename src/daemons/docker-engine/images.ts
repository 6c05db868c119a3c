import type { Readable } from 'node:stream';
import { FerryError } from '../../errors.js';
import { readText, type DockerEngine } from './engine.js';

/**
 * `docker load`: POST /images/load with a docker-save tar. The engine answers 200 and reports a failure inside
 * the JSON message stream, so every message is read; returns the names it says it loaded.
 */
export async function loadImages(engine: DockerEngine, tar: Readable): Promise<string[]> {
  const res = await engine.call('POST', '/images/load', 'to load the image', { stream: tar, type: 'application/x-tar' });
  const loaded: string[] = [];
  for (const line of (await readText(res)).split('\n')) {
    if (!line.trim()) continue;
    const msg = JSON.parse(line) as { stream?: string; error?: string; errorDetail?: { message?: string } };
    if (msg.error || msg.errorDetail) {
      throw new FerryError('ERR_DAEMON', `the docker engine could not load the image: ${msg.errorDetail?.message ?? msg.error}`, {
        hint: 'docker 20.10 loads gzip or uncompressed layers only; copy with --platform to choose what it runs',
      });
    }
    const name = /^Loaded image(?: ID)?: (.+)$/.exec(msg.stream?.trim() ?? '')?.[1];
    if (name) loaded.push(name);
  }
  return loaded;
}

/** `docker save NAME`: the engine's docker-save tar of one image, streamed. */
export async function saveImage(engine: DockerEngine, name: string): Promise<Readable> {
  return engine.call('GET', `/images/get?names=${encodeURIComponent(name)}`, `to save ${name}`);
}

export interface EngineImage {
  Id: string;
  RepoTags: string[] | null;
  Os: string;
  Architecture: string;
  Variant?: string;
}

/** The engine's record of an image, or undefined when it has none by that name. */
export async function inspectImage(engine: DockerEngine, name: string): Promise<EngineImage | undefined> {
  try {
    return await engine.json<EngineImage>(`/images/${encodeURIComponent(name)}/json`, `to inspect ${name}`);
  } catch (err) {
    if (err instanceof FerryError && /no such image/i.test(err.message)) return undefined;
    throw err;
  }
}
