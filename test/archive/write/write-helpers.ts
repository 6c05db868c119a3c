import { Writable } from 'node:stream';
import { type WriteOptions, type WriteResult, writeArchive } from '../../../src/archive/write/archive-writer.js';
import type { ExportPlan } from '../../../src/archive/write/export-plan.js';
import type { ContentSource } from '../../../src/oci/transport.js';

/** A Writable that keeps everything written to it. */
export class BufferSink extends Writable {
  readonly chunks: Buffer[] = [];

  override _write(chunk: Buffer, _enc: BufferEncoding, done: (err?: Error | null) => void): void {
    this.chunks.push(chunk);
    done();
  }

  bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

/** Writes an archive into memory. */
export async function writeToBuffer(source: ContentSource, plan: ExportPlan, opts?: WriteOptions): Promise<{ bytes: Buffer; result: WriteResult }> {
  const sink = new BufferSink();
  const result = await writeArchive(sink, source, plan, opts);
  return { bytes: sink.bytes(), result };
}
