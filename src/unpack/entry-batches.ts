import type { EntryHeader } from './layer-applier.js';

/**
 * The parsed entries of a layer on their way to the layer worker, packed into batches: a list of records (an
 * entry's header, or a range of its content) and one ArrayBuffer holding the content, transferred rather than
 * copied to the worker, and given back with its acknowledgement to be filled again. A file's content may continue
 * in the next batch; an entry ends where the next header (or the layer) begins. Batching keeps the per-message
 * cost off the tens of thousands of small entries; reusing the buffers keeps memory flat (a fresh buffer per batch
 * is freed only when the worker's garbage collector gets to it, and it has little other garbage to prompt it).
 *
 * Records and headers travel flat — two numbers per record, HEADER_FIELDS primitives per header — because a
 * structured clone of hundreds of small objects per message costs the parsing thread several times more (measured:
 * 72,000 headers as objects 300–450 ms, flat 80–140 ms).
 */
export interface EntryBatch {
  /** Per record two numbers: a content range (offset ≥ 0, length) in `data`, or a header (-1, its index). */
  records: Int32Array;
  /** How many records `records` holds. */
  count: number;
  /** The headers' fields, HEADER_FIELDS per header, in the order `header` packs them. */
  headers: HeaderField[];
  data: ArrayBuffer;
  /** How many entries start in this batch (for progress). */
  entries: number;
}

type HeaderField = string | number | Record<string, string> | null;
const HEADER_FIELDS = 9;
const HEADER_RECORD = -1;

/** Bytes of content per batch; also the most one message holds. */
export const BATCH_BYTES = 1024 * 1024;
/** Records per batch, so a run of empty entries (directories, links) is handed over in time too. */
const BATCH_RECORDS = 512;

export class EntryBatches {
  private records = new Int32Array(2 * BATCH_RECORDS);
  private count = 0;
  private headers: HeaderField[] = [];
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
    if (this.count >= BATCH_RECORDS) return this.flush().then(() => this.header(header));
    this.record(HEADER_RECORD, this.headers.length / HEADER_FIELDS);
    const mtime = header.mtime?.getTime();
    this.headers.push(header.name, header.type, header.size ?? 0, header.mode ?? null, header.uid ?? null, header.gid ?? null, mtime ?? null, header.linkname ?? null, header.pax ?? null);
    this.entries++;
    return undefined;
  }

  /** Copies `chunk` of the current entry's content into the batch, continuing in new batches as they fill. */
  content(chunk: Uint8Array): Promise<void> | undefined {
    for (let at = 0; at < chunk.length; ) {
      if (this.used === BATCH_BYTES || this.count >= BATCH_RECORDS) {
        const rest = chunk.subarray(at);
        return this.flush().then(() => this.content(rest));
      }
      const length = Math.min(chunk.length - at, BATCH_BYTES - this.used);
      this.view.set(chunk.subarray(at, at + length), this.used);
      this.record(this.used, length);
      this.used += length;
      at += length;
    }
    return undefined;
  }

  /** Sends what has been packed, if anything. */
  async flush(): Promise<void> {
    if (this.count === 0) return;
    const batch: EntryBatch = { records: this.records, count: this.count, headers: this.headers, data: this.data, entries: this.entries };
    this.records = new Int32Array(2 * BATCH_RECORDS);
    this.count = 0;
    this.headers = [];
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

  private record(a: number, b: number): void {
    this.records[2 * this.count] = a;
    this.records[2 * this.count + 1] = b;
    this.count++;
  }
}

/** What takes a batch apart again: the headers and content ranges in the order they were packed. */
export interface EntrySink {
  header(header: EntryHeader): void;
  content(chunk: Uint8Array): void;
}

/** The worker's side: hands each record of `batch` to `sink`, in order. */
export function unpackBatch(batch: EntryBatch, sink: EntrySink): void {
  const { records, headers, data } = batch;
  for (let i = 0; i < batch.count; i++) {
    const a = records[2 * i]!;
    const b = records[2 * i + 1]!;
    if (a === HEADER_RECORD) sink.header(headerAt(headers, b * HEADER_FIELDS));
    else sink.content(new Uint8Array(data, a, b));
  }
}

function headerAt(fields: HeaderField[], at: number): EntryHeader {
  const [name, type, size, mode, uid, gid, mtime, linkname, pax] = fields.slice(at, at + HEADER_FIELDS) as [
    string,
    string | null,
    number,
    number | null,
    number | null,
    number | null,
    number | null,
    string | null,
    Record<string, string> | null,
  ];
  return {
    name,
    type,
    size,
    ...(mode === null ? {} : { mode }),
    ...(uid === null ? {} : { uid }),
    ...(gid === null ? {} : { gid }),
    ...(mtime === null ? {} : { mtime: new Date(mtime) }),
    ...(linkname === null ? {} : { linkname }),
    ...(pax === null ? {} : { pax }),
  };
}
