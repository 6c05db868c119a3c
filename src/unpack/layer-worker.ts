import { parentPort, workerData } from 'node:worker_threads';
import type { EntryBatch } from './entry-batches.js';
import { EntryFeed, type FeedEnd, FeedStopped } from './entry-feed.js';
import { type ApplyStats, LayerApplier } from './layer-applier.js';
import { type SentError, sendableError } from './thread-errors.js';

/**
 * The layer worker: applies the entries the calling thread parses (see layer-worker-host.ts), with synchronous
 * filesystem calls, while that thread goes on reading, decompressing, hashing and parsing. It owns the layer's
 * path resolver, so every path check sees every change the layer made before it.
 */
export interface LayerWorkerData {
  rootfs: string;
  where: string;
  isRoot: boolean;
}

export type ToWorker = { type: 'batch'; batch: EntryBatch } | { type: 'end'; end: FeedEnd };

export type FromWorker =
  | { type: 'batch-done'; entries: number; data: ArrayBuffer }
  | { type: 'applied'; stats: ApplyStats; warnings: string[] }
  /** The sender stopped (its stream failed): everything sent before was applied, directories left unfinished. */
  | { type: 'stopped' }
  | { type: 'failed'; error: SentError };

const port = parentPort!;
const { rootfs, where, isRoot } = workerData as LayerWorkerData;
const post = (message: FromWorker) => port.postMessage(message);
const feed = new EntryFeed((batch) => port.postMessage({ type: 'batch-done', entries: batch.entries, data: batch.data } satisfies FromWorker, [batch.data]));
port.on('message', (message: ToWorker) => (message.type === 'batch' ? feed.push(message.batch) : feed.finish(message.end)));

try {
  const applier = new LayerApplier(rootfs, where, isRoot);
  for await (const entry of feed.entries()) await applier.apply(entry);
  if (feed.ended === 'stopped') {
    post({ type: 'stopped' });
  } else {
    applier.finishDirectories();
    post({ type: 'applied', stats: applier.stats, warnings: applier.warnings.messages() });
  }
} catch (err) {
  post(err instanceof FeedStopped ? { type: 'stopped' } : { type: 'failed', error: sendableError(err) });
}
// Nothing is left to do: the thread ends, and the host settles only once it has.
port.close();
