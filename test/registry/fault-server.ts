import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { MemoryContent } from '../helpers/memory-content.js';

export interface Faults {
  /** Demand a bearer token (issued by /token for user:pass) on every /v2/ request. */
  token?: { username: string; password: string };
  /** Answer the first N requests of each path with 429 and this Retry-After (seconds). */
  tooMany?: { times: number; retryAfter: string };
  /** Break the connection after this many bytes of the first GET of each blob larger than it. */
  dropAfter?: number;
  /** Ignore Range requests (send the whole blob again with 200). */
  ignoreRange?: boolean;
}

export interface FaultServer {
  host: string;
  /** Every request seen, `METHOD path status`. */
  log: string[];
  stop(): Promise<void>;
}

const TOKEN = 'test-token-42';

/**
 * A read-only registry serving MemoryContent with injected faults, on 127.0.0.1 only. Manifests are served by
 * digest and by the tags given; it stops itself after 20 s in case a test forgets to.
 */
export async function startFaultServer(content: MemoryContent, tags: Record<string, { mediaType: string; digest: string }>, faults: Faults): Promise<FaultServer> {
  const log: string[] = [];
  const seen = new Map<string, number>();
  const dropped = new Set<string>();
  let host = '';
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', `http://${host}`);
    const done = (status: number, headers: Record<string, string> = {}, body?: Buffer) => {
      log.push(`${req.method} ${url.pathname} ${status}`);
      res.writeHead(status, headers);
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    if (url.pathname === '/token') {
      const expected = `Basic ${Buffer.from(`${faults.token?.username}:${faults.token?.password}`).toString('base64')}`;
      if (req.headers.authorization !== expected) return done(401);
      const scope = url.searchParams.get('scope') ?? '';
      if (!scope.startsWith('repository:')) return done(400);
      return done(200, { 'Content-Type': 'application/json' }, Buffer.from(JSON.stringify({ token: TOKEN })));
    }
    if (faults.token && req.headers.authorization !== `Bearer ${TOKEN}`) {
      return done(401, { 'WWW-Authenticate': `Bearer realm="http://${host}/token",service="fault",scope="repository:x:pull"` });
    }
    const count = (seen.get(url.pathname) ?? 0) + 1;
    seen.set(url.pathname, count);
    if (faults.tooMany && count <= faults.tooMany.times) return done(429, { 'Retry-After': faults.tooMany.retryAfter });
    if (url.pathname === '/v2/') return done(200);
    const manifest = /^\/v2\/(.+)\/manifests\/([^/]+)$/.exec(url.pathname);
    if (manifest) {
      const ref = manifest[2]!;
      const desc = tags[ref] ?? (content.blobs.has(ref) ? { mediaType: mediaTypeOf(content.blobs.get(ref)!), digest: ref } : undefined);
      const bytes = desc && content.blobs.get(desc.digest);
      if (!desc || !bytes) return done(404);
      return done(200, { 'Content-Type': desc.mediaType, 'Docker-Content-Digest': desc.digest, 'Content-Length': String(bytes.length) }, bytes);
    }
    const blob = /^\/v2\/(.+)\/blobs\/([^/]+)$/.exec(url.pathname);
    const bytes = blob && content.blobs.get(blob[2]!);
    if (!blob || !bytes) return done(404);
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    if (range && !faults.ignoreRange) {
      const start = Number(range[1]);
      return done(206, { 'Content-Range': `bytes ${start}-${bytes.length - 1}/${bytes.length}`, 'Content-Length': String(bytes.length - start) }, bytes.subarray(start));
    }
    if (req.method === 'GET' && faults.dropAfter !== undefined && bytes.length > faults.dropAfter && !dropped.has(blob[2]!)) {
      dropped.add(blob[2]!);
      log.push(`${req.method} ${url.pathname} dropped`);
      res.writeHead(200, { 'Content-Length': String(bytes.length) });
      res.write(bytes.subarray(0, faults.dropAfter), () => res.socket?.destroy());
      return;
    }
    return done(200, { 'Content-Length': String(bytes.length) }, bytes);
  };
  const server: Server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  host = `127.0.0.1:${(server.address() as { port: number }).port}`;
  const timer = setTimeout(() => server.close(), 20_000);
  timer.unref();
  return {
    host,
    log,
    stop: () =>
      new Promise<void>((resolve) => {
        clearTimeout(timer);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function mediaTypeOf(bytes: Buffer): string {
  const doc = JSON.parse(bytes.toString()) as { mediaType?: string };
  return doc.mediaType ?? 'application/vnd.oci.image.manifest.v1+json';
}
