import type { EntryHeader } from './layer-applier.js';

/**
 * The parsed entries of a layer on their way to the layer worker, packed into batches: a list of records (an
 * entry's header, or a range of its content) and one ArrayBuffer holding the content, transferred rather than
 * copied to the worker, and given back with its acknowledgement to be filled again. A file's content may continue
 * in the next batch; an entry ends where the next header (or the layer) begins. Batching keeps the per-message
 * cost off the tens of thousands of small entries; reusing the buffers keeps memory flat (a fresh buffer per batch
 * is freed only when the worker's garbage collector gets to it, and it has little other garbage to prompt it).
 */
export type BatchRecord = { header: EntryHeader } | { offset: number; length: number };

export interface EntryBatch {
  records: BatchRecord[];
  data: ArrayBuffer;
  /** How many entries start in this batch (for progress). */
  entries: number;
}

/** Bytes of content per batch; also the most one message holds. */
export const BATCH_BYTES = 1024 * 1024;
/** Records per batch, so a run of empty entries (directories, links) is handed over in time too. */
const BATCH_RECORDS = 512;

export class EntryBatches {
  private records: BatchRecord[] = [];
  private data = new ArrayBuffer(BATCH_BYTES);
  private view = new Uint8Array(this.data);
  private used = 0;
  private entries = 0;
  /** Buffers the worker gave back. */
  private readonly spare: ArrayBuffer[] = [];

  /** `send` hands a full batch on; the batches wait for it, which is how the worker holds the parser back. */
  constructor(private readonly send: (batch: EntryBatch) => Promise<void>) {}

  /**
   * Packs `header`. Returns a promise only when a full batch had to be sent first: tens of thousands of entries
   * fit in the current batch, and awaiting nothing for each of them is a measurable part of an unpack.
   */
  header(header: EntryHeader): Promise<void> | undefined {
    if (this.records.length >= BATCH_RECORDS) return this.flush().then(() => this.header(header));
    this.records.push({ header });
    this.entries++;
    return undefined;
  }

  /** Copies `chunk` of the current entry's content into the batch, continuing in new batches as they fill. */
  content(chunk: Uint8Array): Promise<void> | undefined {
    for (let at = 0; at < chunk.length; ) {
      if (this.used === BATCH_BYTES || this.records.length >= BATCH_RECORDS) {
        const rest = chunk.subarray(at);
        return this.flush().then(() => this.content(rest));
      }
      const length = Math.min(chunk.length - at, BATCH_BYTES - this.used);
      this.view.set(chunk.subarray(at, at + length), this.used);
      this.records.push({ offset: this.used, length });
      this.used += length;
      at += length;
    }
    return undefined;
  }

  /** Sends what has been packed, if anything. */
  async flush(): Promise<void> {
    if (this.records.length === 0) return;
    const batch: EntryBatch = { records: this.records, data: this.data, entries: this.entries };
    this.records = [];
    this.data = this.spare.pop() ?? new ArrayBuffer(BATCH_BYTES);
    this.view = new Uint8Array(this.data);
    this.used = 0;
    this.entries = 0;
    await this.send(batch);
  }

  /** A batch's buffer, back from the worker once applied. */
  reuse(data: ArrayBuffer): void {
    if (data.byteLength === BATCH_BYTES) this.spare.push(data);
  }
}

/** What takes a batch apart again: the headers and content ranges in the order they were packed. */
export interface EntrySink {
  header(header: EntryHeader): void;
  content(chunk: Uint8Array): void;
}

/** The worker's side: hands each record of `batch` to `sink`, in order. */
export function unpackBatch(batch: EntryBatch, sink: EntrySink): void {
  for (const record of batch.records) {
    if ('header' in record) sink.header(record.header);
    else sink.content(new Uint8Array(batch.data, record.offset, record.length));
  }
}
