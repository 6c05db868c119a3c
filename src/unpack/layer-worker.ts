import { parentPort } from 'node:worker_threads';
import { type EntryBatch, unpackBatch } from './entry-batches.js';
import { type ApplyStats, LayerApplier } from './layer-applier.js';
import { type SentError, sendableError } from './thread-errors.js';

/**
 * The layer worker: applies the entries the calling thread parses (see layer-worker-host.ts), with synchronous
 * filesystem calls, while that thread goes on reading, decompressing, hashing and parsing. One thread serves an
 * image's layers in turn (starting one costs ~0.1 s of CPU); each layer gets its own applier, which owns that
 * layer's path resolver, so every path check sees every change the layer made before it. Each batch is applied
 * whole as it arrives. The thread ends when told to close, or as soon as a layer stopped or failed.
 */
export interface LayerWorkerData {
  rootfs: string;
  where: string;
  isRoot: boolean;
}

/** How the stream of batches ended: the whole layer was sent, or the sender failed and stopped. */
export type LayerEnd = 'complete' | 'stopped';

export type ToWorker =
  | { type: 'layer'; layer: LayerWorkerData }
  | { type: 'batch'; batch: EntryBatch }
  | { type: 'end'; end: LayerEnd }
  | { type: 'close' };

export type FromWorker =
  | { type: 'batch-done'; entries: number; data: ArrayBuffer }
  | { type: 'applied'; stats: ApplyStats; warnings: string[] }
  /** The sender stopped (its stream failed): everything sent before was applied, directories left unfinished. */
  | { type: 'stopped' }
  | { type: 'failed'; error: SentError };

const port = parentPort!;
const post = (message: FromWorker, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);
let applier: LayerApplier | undefined;

port.on('message', (message: ToWorker) => {
  try {
    switch (message.type) {
      case 'layer':
        applier = new LayerApplier(message.layer.rootfs, message.layer.where, message.layer.isRoot);
        return;
      case 'batch':
        unpackBatch(message.batch, current());
        post({ type: 'batch-done', entries: message.batch.entries, data: message.batch.data }, [message.batch.data]);
        return;
      case 'end':
        if (message.end === 'complete') {
          const done = current();
          done.finish();
          applier = undefined;
          post({ type: 'applied', stats: done.stats, warnings: done.warnings.messages() });
          return;
        }
        applier?.abandon();
        post({ type: 'stopped' });
        break;
      case 'close':
    }
  } catch (err) {
    applier?.abandon();
    post({ type: 'failed', error: sendableError(err) });
  }
  // Closed, stopped or failed: the thread ends, and the host settles only once it has.
  port.close();
});

function current(): LayerApplier {
  if (!applier) throw new Error('the layer worker got a message for no layer');
  return applier;
}
