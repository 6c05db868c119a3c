import type { BatchRecord, EntryBatch } from './entry-batches.js';
import type { EntryHeader, LayerEntry } from './layer-applier.js';

/** How the stream of batches ended: the whole layer was sent, or the sender failed and stopped. */
export type FeedEnd = 'complete' | 'stopped';

/** Thrown into an entry's content when the sender stopped in the middle of it (its tar stream failed). */
export class FeedStopped extends Error {
  constructor() {
    super('the layer stream stopped');
  }
}

/**
 * The worker's side of entry-batches.ts: batches in, entries out, in order. Content an entry's reader does not
 * take (a skipped entry, an applier that failed) is dropped when the next entry is asked for. `onBatchDone` is
 * called as each batch is used up, so the sender can send another.
 */
export class EntryFeed {
  private readonly batches: EntryBatch[] = [];
  private at = 0;
  private end: FeedEnd | undefined;
  private wake: (() => void) | undefined;

  constructor(private readonly onBatchDone: (batch: EntryBatch) => void) {}

  push(batch: EntryBatch): void {
    this.batches.push(batch);
    this.wakeUp();
  }

  finish(end: FeedEnd): void {
    this.end = end;
    this.wakeUp();
  }

  get ended(): FeedEnd | undefined {
    return this.end;
  }

  async *entries(): AsyncGenerator<LayerEntry> {
    for (;;) {
      const next = await this.peek();
      if (next === undefined) return;
      this.at++;
      if ('header' in next.record) yield this.entry(next.record.header);
    }
  }

  private entry(header: EntryHeader): LayerEntry {
    const content = async function* (feed: EntryFeed): AsyncGenerator<Buffer> {
      for (;;) {
        const next = await feed.peek();
        if (next === undefined) {
          if (feed.end === 'stopped') throw new FeedStopped();
          return;
        }
        if ('header' in next.record) return;
        feed.at++;
        yield Buffer.from(next.data, next.record.offset, next.record.length);
      }
    };
    return { header, [Symbol.asyncIterator]: () => content(this) };
  }

  /** The next record without taking it, waiting for a batch when none is queued; undefined once the feed ended. */
  private async peek(): Promise<{ record: BatchRecord; data: ArrayBuffer } | undefined> {
    for (;;) {
      const batch = this.batches[0];
      if (batch) {
        const record = batch.records[this.at];
        if (record) return { record, data: batch.data };
        this.batches.shift();
        this.at = 0;
        this.onBatchDone(batch);
        continue;
      }
      if (this.end) return undefined;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  private wakeUp(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}
