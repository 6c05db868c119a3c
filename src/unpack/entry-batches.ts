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

  async header(header: EntryHeader): Promise<void> {
    if (this.records.length >= BATCH_RECORDS) await this.flush();
    this.records.push({ header });
    this.entries++;
  }

  /** Copies `chunk` of the current entry's content into the batch, continuing in new batches as they fill. */
  async content(chunk: Uint8Array): Promise<void> {
    for (let at = 0; at < chunk.length; ) {
      if (this.used === BATCH_BYTES || this.records.length >= BATCH_RECORDS) await this.flush();
      const length = Math.min(chunk.length - at, BATCH_BYTES - this.used);
      this.view.set(chunk.subarray(at, at + length), this.used);
      this.records.push({ offset: this.used, length });
      this.used += length;
      at += length;
    }
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
