import type { Readable } from 'node:stream';
import { FerryError } from '../errors.js';
import { chain } from '../oci/chain.js';
import type { Descriptor } from '../oci/descriptor.js';
import { VerifyingStream, verifyBytes } from '../oci/digest.js';
import { discard } from './http.js';
import type { RegistryRepository } from './repository.js';

/** Blobs up to this size go up in one PUT; larger ones in PATCH chunks of this size. */
export const DEFAULT_CHUNK_SIZE = 16 * 1024 * 1024;

export interface UploadOptions {
  /** Another repository of the same registry that may hold the blob: asked to mount it first. */
  mountFrom?: string;
  chunkSize?: number;
  onProgress?: (written: number) => void;
}

export type UploadOutcome = 'exists' | 'mounted' | 'uploaded';

/**
 * Puts a blob into a repository the cheapest way: nothing when a HEAD finds it, a cross-repository mount when
 * a sibling repository has it, else an upload: monolithic (one PUT) up to the chunk size, chunked (PATCH per
 * chunk, then PUT) above it. Only one chunk is in memory at a time, which is what lets a chunk be re-sent after
 * a dropped connection; a chunk the registry took in part is resumed from the offset it reports.
 */
export async function uploadBlob(repo: RegistryRepository, desc: Descriptor, stream: Readable, opts: UploadOptions = {}): Promise<UploadOutcome> {
  const scopes = opts.mountFrom && opts.mountFrom !== repo.path ? [...repo.pushScope(), `repository:${opts.mountFrom}:pull`] : repo.pushScope();
  if (await repo.hasBlob(desc, scopes)) {
    stream.destroy();
    return 'exists';
  }
  const started = await startUpload(repo, desc, scopes, opts.mountFrom);
  if (started === 'mounted') {
    stream.destroy();
    return 'mounted';
  }
  const chunkSize = opts.chunkSize ?? DEFAULT_CHUNK_SIZE;
  const verified = chain(stream, new VerifyingStream(desc));
  let location = started;
  if (desc.size <= chunkSize) {
    const bytes = await collect(verified, chunkSize);
    verifyBytes(bytes, desc);
    await finish(repo, desc, scopes, started, bytes);
    opts.onProgress?.(bytes.length);
    return 'uploaded';
  }
  let offset = 0;
  for await (const chunk of chunksOf(verified, chunkSize)) {
    location = await sendChunk(repo, desc, scopes, location, chunk, offset);
    offset += chunk.length;
    opts.onProgress?.(offset);
  }
  await finish(repo, desc, scopes, location);
  return 'uploaded';
}

/** POST to start an upload (with `mount` when asked); `mounted`, or the upload's Location. */
async function startUpload(repo: RegistryRepository, desc: Descriptor, scopes: string[], mountFrom?: string): Promise<string | 'mounted'> {
  const mount = mountFrom && mountFrom !== repo.path ? `?mount=${encodeURIComponent(desc.digest)}&from=${encodeURIComponent(mountFrom)}` : '';
  const res = await repo.http.request({ method: 'POST', url: `/v2/${repo.path}/blobs/uploads/${mount}`, scopes, ok: [201, 202], what: `upload of ${desc.digest}` });
  await discard(res);
  if (res.status === 201 && mount) return 'mounted';
  return nextLocation(repo, res, `upload of ${desc.digest}`);
}

async function sendChunk(repo: RegistryRepository, desc: Descriptor, scopes: string[], location: string, chunk: Buffer, offset: number): Promise<string> {
  let sent = 0;
  for (let attempt = 0; ; attempt++) {
    const part = chunk.subarray(sent);
    const res = await repo.http.request({
      method: 'PATCH',
      url: location,
      headers: {
        'Content-Type': 'application/octet-stream',
        'Content-Range': `${offset + sent}-${offset + chunk.length - 1}`,
        'Content-Length': String(part.length),
      },
      body: part,
      scopes,
      ok: [202, 416],
      what: `chunk ${offset + sent}-${offset + chunk.length - 1} of ${desc.digest}`,
    });
    await discard(res);
    if (res.status === 202) return nextLocation(repo, res, `upload of ${desc.digest}`);
    // 416: a retried PATCH after a drop found part of it already stored; ask where the upload stands.
    if (attempt >= 3) {
      throw new FerryError('ERR_REGISTRY', `${repo.domain} keeps refusing the chunks of ${desc.digest} (HTTP 416)`, { digest: desc.digest, hint: 'try the push again' });
    }
    const stored = await uploadedBytes(repo, scopes, location, desc);
    if (stored < offset || stored > offset + chunk.length) {
      throw new FerryError('ERR_REGISTRY', `${repo.domain} reports ${stored} bytes of ${desc.digest} uploaded, which no chunk sent ends at`, { digest: desc.digest, hint: 'try the push again' });
    }
    sent = stored - offset;
    if (sent === chunk.length) return location;
  }
}

/** GET on an upload: its Range header (`0-<last>`) says how many bytes the registry holds. */
async function uploadedBytes(repo: RegistryRepository, scopes: string[], location: string, desc: Descriptor): Promise<number> {
  const res = await repo.http.request({ method: 'GET', url: location, scopes, ok: [204], what: `status of the upload of ${desc.digest}` });
  await discard(res);
  const range = /^(?:bytes=)?0-(\d+)$/.exec(res.headers.get('range') ?? '');
  return range ? Number(range[1]) + 1 : 0;
}

/** The closing PUT with `?digest=`, carrying the whole blob (monolithic) or nothing (after chunks). */
async function finish(repo: RegistryRepository, desc: Descriptor, scopes: string[], location: string, body?: Buffer): Promise<void> {
  const url = new URL(repo.http.url(location));
  url.searchParams.set('digest', desc.digest);
  const res = await repo.http.request({
    method: 'PUT',
    url: url.toString(),
    headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(body?.length ?? 0) },
    ...(body ? { body } : {}),
    scopes,
    ok: [201, 204],
    what: `upload of ${desc.digest}`,
  });
  await discard(res);
}

function nextLocation(repo: RegistryRepository, res: Response, what: string): string {
  const location = res.headers.get('location');
  if (!location) throw new FerryError('ERR_REGISTRY', `${repo.domain} answered the ${what} without a Location`, { hint: 'the registry does not follow the distribution spec' });
  return new URL(location, `${repo.http.baseUrl}/`).toString();
}

async function collect(stream: Readable, max: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let total = 0;
  for await (const piece of stream) {
    total += (piece as Buffer).length;
    if (total > max) throw new Error('collect: more than the declared size passed the verifying stream');
    parts.push(piece as Buffer);
  }
  return Buffer.concat(parts);
}

/** Regroups a stream into buffers of exactly `size` bytes (the last may be shorter). */
async function* chunksOf(stream: Readable, size: number): AsyncGenerator<Buffer> {
  let parts: Buffer[] = [];
  let held = 0;
  for await (const piece of stream) {
    let buf = piece as Buffer;
    while (held + buf.length >= size) {
      const take = size - held;
      parts.push(buf.subarray(0, take));
      yield Buffer.concat(parts);
      buf = buf.subarray(take);
      parts = [];
      held = 0;
    }
    if (buf.length > 0) {
      parts.push(buf);
      held += buf.length;
    }
  }
  if (held > 0) yield Buffer.concat(parts);
}
