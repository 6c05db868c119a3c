import { Readable } from 'node:stream';
import tar from 'tar-stream';

export interface TarEntry {
  name: string;
  type?: 'file' | 'directory' | 'symlink' | 'link' | 'character-device' | 'block-device' | 'fifo';
  data?: Buffer | string;
  linkname?: string;
  mode?: number;
  mtime?: Date;
  uid?: number;
  gid?: number;
  pax?: Record<string, string>;
}

/** Builds a tar archive in memory from a list of entries, in the order given (tests only: small content). */
export async function tarBytes(entries: TarEntry[]): Promise<Buffer> {
  const pack = tar.pack();
  const done = streamToBuffer(pack);
  for (const e of entries) {
    const type = e.type ?? 'file';
    const data = e.data === undefined ? Buffer.alloc(0) : Buffer.from(e.data);
    await new Promise<void>((resolve, reject) => {
      const header = {
        name: e.name,
        type,
        mode: e.mode ?? (type === 'directory' ? 0o755 : 0o644),
        mtime: e.mtime ?? new Date(0),
        uid: e.uid ?? 0,
        gid: e.gid ?? 0,
        ...(e.linkname === undefined ? {} : { linkname: e.linkname }),
        ...(e.pax === undefined ? {} : { pax: e.pax }),
      };
      const cb = (err?: Error | null) => (err ? reject(err) : resolve());
      if (type === 'file') pack.entry(header, data, cb);
      else pack.entry(header, cb);
    });
  }
  pack.finalize();
  return done;
}

export interface ReadTarEntry {
  name: string;
  type: string;
  linkname?: string;
  mode?: number;
  mtime?: Date;
  uid?: number;
  gid?: number;
  data: Buffer;
}

/** Reads every entry of a tar archive in memory (tests only). */
export async function readTar(bytes: Buffer): Promise<ReadTarEntry[]> {
  const extract = tar.extract();
  const out: ReadTarEntry[] = [];
  Readable.from([bytes]).pipe(extract);
  for await (const entry of extract) {
    const h = entry.header;
    const data = await streamToBuffer(entry);
    out.push({
      name: h.name,
      type: h.type ?? 'file',
      ...(h.linkname ? { linkname: h.linkname } : {}),
      ...(h.mode === undefined ? {} : { mode: h.mode }),
      ...(h.mtime === undefined ? {} : { mtime: h.mtime }),
      ...(h.uid === undefined ? {} : { uid: h.uid }),
      ...(h.gid === undefined ? {} : { gid: h.gid }),
      data,
    });
  }
  return out;
}

export async function streamToBuffer(stream: unknown): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer | Uint8Array>) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}
