import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { status } from '@grpc/grpc-js';
import { FerryError } from '../../errors.js';
import { readBlobBytes } from '../../graph/read-document.js';
import type { Descriptor } from '../../oci/descriptor.js';
import { VerifyingStream } from '../../oci/digest.js';
import { MAX_DOCUMENT_BYTES } from '../../oci/document.js';
import type { ContentSource, ContentTarget } from '../../oci/transport.js';
import { daemonError, isGrpcStatus, type ContainerdClient } from './client.js';
import { childLabels, isGraphDocument } from './gc-labels.js';
import { WriteAction, type ContentInfo, type ReadContentResponse, type WriteContentRequest, type WriteContentResponse } from './messages.js';
import { Rpcs } from './rpcs.js';

/** containerd's content store in one namespace, read as a source: every blob by digest. */
export class ContainerdContent implements ContentSource {
  constructor(protected readonly client: ContainerdClient) {}

  async info(digest: string): Promise<ContentInfo | undefined> {
    try {
      const res = await this.client.unary<{ info?: ContentInfo }>(Rpcs.contentInfo, { digest });
      return res.info;
    } catch (err) {
      if (isGrpcStatus(err, status.NOT_FOUND)) return undefined;
      throw daemonError(err, `to look up ${digest}`, { digest });
    }
  }

  async has(desc: Descriptor): Promise<boolean> {
    return (await this.info(desc.digest)) !== undefined;
  }

  async fetch(desc: Descriptor): Promise<Readable> {
    // info, not has: the ingest's has() reads documents through fetch.
    if (!(await this.info(desc.digest))) {
      throw new FerryError('ERR_BLOB_MISSING', `containerd namespace ${this.client.namespace} has no content ${desc.digest}`, {
        digest: desc.digest,
        hint: 'the image is partial in containerd; copy the platforms it holds (--platform), or pull it again there',
      });
    }
    const call = this.client.serverStream<ReadContentResponse>(Rpcs.contentRead, { digest: desc.digest });
    const digest = desc.digest;
    // The read stream yields messages; a blob is their data in order, and a gRPC failure ends it with an error.
    return Readable.from(
      (async function* () {
        try {
          for await (const msg of call as AsyncIterable<ReadContentResponse>) if (msg.data && msg.data.length > 0) yield msg.data;
        } catch (err) {
          throw daemonError(err, `to read ${digest}`, { digest });
        } finally {
          call.cancel();
        }
      })(),
      { objectMode: false },
    );
  }

  /** Sets labels on content that is there (the rest of its labels stay). */
  async label(digest: string, labels: Record<string, string>): Promise<void> {
    try {
      await this.client.unary(Rpcs.contentUpdate, {
        info: { digest, labels },
        updateMask: { paths: Object.keys(labels).map((k) => `labels.${k}`) },
      });
    } catch (err) {
      throw daemonError(err, `to label ${digest}`, { digest });
    }
  }
}

/** Bytes per Write message (about: a read chunk may carry it past); containerd's message limit is 16 MiB. */
const CHUNK = 1 << 20;

/**
 * containerd's content store as a target. Blobs are written under the client's lease, so containerd's gc leaves
 * them alone until the image record references them; indexes and manifests carry the reference labels that keep
 * their children afterwards, also when they were already there.
 */
export class ContainerdIngest extends ContainerdContent implements ContentTarget {
  override async has(desc: Descriptor): Promise<boolean> {
    const info = await this.info(desc.digest);
    if (!info) return false;
    if (isGraphDocument(desc.mediaType) && desc.size <= MAX_DOCUMENT_BYTES) {
      const labels = childLabels(desc, await readBlobBytes(this, desc));
      if (Object.entries(labels).some(([k, v]) => info.labels?.[k] !== v)) await this.label(desc.digest, labels);
    }
    return true;
  }

  async write(desc: Descriptor, stream: Readable): Promise<void> {
    const verified = new VerifyingStream(desc);
    const feeding = pipeline(stream, verified);
    feeding.catch(() => undefined);
    if (isGraphDocument(desc.mediaType)) {
      const chunks: Buffer[] = [];
      for await (const chunk of verified) chunks.push(chunk as Buffer);
      await feeding;
      const bytes = Buffer.concat(chunks);
      await this.ingest(desc, [bytes], childLabels(desc, bytes));
      return;
    }
    await this.ingest(desc, verified, {});
    await feeding;
  }

  /**
   * One Write stream: data messages, then a commit naming the expected digest and size, which containerd checks
   * again. Content that is already there (another writer was faster) counts as written.
   */
  private async ingest(desc: Descriptor, data: AsyncIterable<unknown> | Iterable<Buffer>, labels: Record<string, string>): Promise<void> {
    const ref = `ferry-${desc.digest}-${randomUUID().slice(0, 8)}`;
    const call = this.client.bidiStream<WriteContentRequest, WriteContentResponse>(Rpcs.contentWrite);
    const responses: WriteContentResponse[] = [];
    const finished = new Promise<void>((resolve, reject) => {
      call.on('data', (msg: WriteContentResponse) => responses.push(msg));
      call.on('error', reject);
      call.on('end', resolve);
    });
    finished.catch(() => undefined);
    const send = async (msg: WriteContentRequest) => {
      if (!call.write(msg)) await Promise.race([once(call, 'drain'), finished]);
    };
    let offset = 0;
    // containerd answers every message: file reads come in 64 KiB chunks, so they are gathered into CHUNK-sized
    // messages first (a 200 MB layer is 200 round trips, not 3000).
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    const flush = async () => {
      const piece = Buffer.concat(pending, pendingBytes);
      pending = [];
      pendingBytes = 0;
      await send({ action: WriteAction.write, ref, total: desc.size, expected: desc.digest, offset, data: piece });
      offset += piece.length;
    };
    try {
      for await (const chunk of data) {
        pending.push(chunk as Buffer);
        pendingBytes += (chunk as Buffer).length;
        if (pendingBytes >= CHUNK) await flush();
      }
      if (pendingBytes > 0) await flush();
      await send({ action: WriteAction.commit, ref, total: desc.size, expected: desc.digest, offset, labels });
      call.end();
      await finished;
    } catch (err) {
      call.cancel();
      await this.abort(ref);
      if (isGrpcStatus(err, status.ALREADY_EXISTS)) {
        if (Object.keys(labels).length > 0) await this.label(desc.digest, labels);
        return;
      }
      throw daemonError(err, `to write ${desc.digest}`, { digest: desc.digest });
    }
    if (responses.at(-1)?.action !== WriteAction.commit) {
      throw new FerryError('ERR_DAEMON', `containerd ended the write of ${desc.digest} without committing it`, { digest: desc.digest, hint: "see containerd's log" });
    }
  }

  private async abort(ref: string): Promise<void> {
    try {
      await this.client.unary(Rpcs.contentAbort, { ref });
    } catch {
      // Nothing was ingested under this ref yet, or containerd already dropped it: either way nothing is left.
    }
  }

}
