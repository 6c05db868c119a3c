import { parentPort, workerData } from 'node:worker_threads';
import { type EntryBatch, unpackBatch } from './entry-batches.js';
import { type ApplyStats, LayerApplier } from './layer-applier.js';
import { type SentError, sendableError } from './thread-errors.js';

/**
 * The layer worker: applies the entries the calling thread parses (see layer-worker-host.ts), with synchronous
 * filesystem calls, while that thread goes on reading, decompressing, hashing and parsing. It owns the layer's
 * path resolver, so every path check sees every change the layer made before it. Each batch is applied whole as
 * it arrives; the thread ends once the layer is done, stopped or failed.
 */
export interface LayerWorkerData {
  rootfs: string;
  where: string;
  isRoot: boolean;
}

/** How the stream of batches ended: the whole layer was sent, or the sender failed and stopped. */
export type LayerEnd = 'complete' | 'stopped';

export type ToWorker = { type: 'batch'; batch: EntryBatch } | { type: 'end'; end: LayerEnd };

export type FromWorker =
  | { type: 'batch-done'; entries: number; data: ArrayBuffer }
  | { type: 'applied'; stats: ApplyStats; warnings: string[] }
  /** The sender stopped (its stream failed): everything sent before was applied, directories left unfinished. */
  | { type: 'stopped' }
  | { type: 'failed'; error: SentError };

const port = parentPort!;
const { rootfs, where, isRoot } = workerData as LayerWorkerData;
const post = (message: FromWorker, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);
let applier: LayerApplier | undefined;

port.on('message', (message: ToWorker) => {
  try {
    applier ??= new LayerApplier(rootfs, where, isRoot);
    if (message.type === 'batch') {
      unpackBatch(message.batch, applier);
      post({ type: 'batch-done', entries: message.batch.entries, data: message.batch.data }, [message.batch.data]);
      return;
    }
    if (message.end === 'complete') {
      applier.finish();
      post({ type: 'applied', stats: applier.stats, warnings: applier.warnings.messages() });
    } else {
      applier.abandon();
      post({ type: 'stopped' });
    }
  } catch (err) {
    applier?.abandon();
    post({ type: 'failed', error: sendableError(err) });
  }
  // Nothing is left to do: the thread ends, and the host settles only once it has.
  port.close();
});
