import { Worker } from 'node:worker_threads';
import { FerryError } from '../errors.js';
import type { EntryBatch } from './entry-batches.js';
import type { ApplyStats } from './layer-applier.js';
import type { FromWorker, LayerWorkerData, ToWorker } from './layer-worker.js';
import { receivedError } from './thread-errors.js';

/**
 * The calling thread's side of the layer worker: starts it, hands it one layer after another, sends each layer's
 * batches with at most MAX_IN_FLIGHT not yet applied (so a slow disk holds the parser back and memory stays
 * bounded). A layer is done when the worker has applied all of it (it writes nothing more until the next layer
 * starts); a failed or stopped layer, and `close`, settle only once the thread has exited, so nothing is written
 * into the rootfs after the caller has been told.
 */
const MAX_IN_FLIGHT = 4;
/**
 * The worker's garbage is short-lived (headers, views of the batches): a small young generation keeps its heap at
 * a few MB instead of V8's default tens, for peak RSS (measured on the realistic unpack: 185 MB with the default,
 * 155 MB with 2 MB).
 */
const WORKER_YOUNG_GENERATION_MB = 2;

export interface AppliedLayer {
  stats: ApplyStats;
  warnings: string[];
}

/** What a layer's sender is told as its batches are applied: the entries done, and the buffer to fill again. */
type OnBatchDone = (entries: number, data: ArrayBuffer) => void;

export class LayerWorkerHost {
  private readonly worker: Worker;
  private readonly exited: Promise<void>;
  private hasExited = false;
  private inFlight = 0;
  private waiting: { resolve(): void; reject(err: Error): void } | undefined;
  /** The layer being applied: its batch callback, and the wait for its result once its end was sent. */
  private layer: { onDone: OnBatchDone; result?: { resolve(applied: AppliedLayer): void; reject(err: Error): void } } | undefined;
  private stopped = false;
  private failure: Error | undefined;

  constructor() {
    this.worker = new Worker(workerScript(), { resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB } });
    this.worker.unref();
    this.worker.on('message', (message: FromWorker) => this.received(message));
    // An uncaught error in the worker (or one loading it) is a bug, reported as it is.
    this.worker.on('error', (err) => this.failed(err));
    this.exited = new Promise((resolve) => {
      this.worker.once('exit', () => {
        this.hasExited = true;
        if (this.layer && !this.stopped) this.failed(new FerryError('ERR_INTERNAL', 'the layer worker stopped without a result'));
        resolve();
      });
    });
  }

  /** Starts applying a layer into `data.rootfs`; the previous layer must be done. Fails once the worker has. */
  startLayer(data: LayerWorkerData, onDone: OnBatchDone): void {
    if (this.failure) throw this.failure;
    if (this.layer || this.hasExited) throw new FerryError('ERR_INTERNAL', 'the layer worker is busy or closed');
    this.layer = { onDone };
    // Referenced only while a layer is on: an idle worker never keeps the process alive.
    this.worker.ref();
    this.post({ type: 'layer', layer: data });
  }

  /** Hands `batch` to the worker, first waiting while too many are being applied; fails once the worker has. */
  async send(batch: EntryBatch): Promise<void> {
    if (this.inFlight >= MAX_IN_FLIGHT) await new Promise<void>((resolve, reject) => (this.waiting = { resolve, reject }));
    if (this.failure) throw this.failure;
    this.inFlight++;
    this.post({ type: 'batch', batch }, [batch.data]);
  }

  /** The whole layer was sent: waits until the worker has applied it; a failure settles once the thread exited. */
  async finish(): Promise<AppliedLayer> {
    if (!this.failure) {
      const applied = new Promise<AppliedLayer>((resolve, reject) => (this.layer!.result = { resolve, reject }));
      this.post({ type: 'end', end: 'complete' });
      try {
        return await applied;
      } catch {
        // The failure is this.failure; it is thrown below once the thread is gone.
      }
    }
    await this.exited;
    throw this.failure;
  }

  /**
   * The sender failed: the worker applies what it was sent, then exits. Returns the worker's own failure, if it
   * had one (it concerns an earlier entry than the sender's, so it is the one to report).
   */
  async stop(): Promise<Error | undefined> {
    if (!this.failure) this.post({ type: 'end', end: 'stopped' });
    await this.exited;
    return this.failure;
  }

  /** No more layers: the thread ends; settles once it has. */
  async close(): Promise<void> {
    // Waiting for the exit must keep the process alive.
    this.worker.ref();
    this.post({ type: 'close' });
    await this.exited;
  }

  private received(message: FromWorker): void {
    switch (message.type) {
      case 'batch-done': {
        this.inFlight--;
        this.layer?.onDone(message.entries, message.data);
        const waiting = this.waiting;
        this.waiting = undefined;
        waiting?.resolve();
        break;
      }
      case 'applied': {
        const result = this.layer?.result;
        this.layer = undefined;
        this.inFlight = 0;
        this.worker.unref();
        result?.resolve({ stats: message.stats, warnings: message.warnings });
        break;
      }
      case 'stopped':
        this.stopped = true;
        break;
      case 'failed':
        this.failed(receivedError(message.error));
    }
  }

  /** Records the first failure and wakes a waiting sender, and a waiting result, with it. */
  private failed(err: Error): void {
    this.failure ??= err;
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.reject(this.failure);
    const result = this.layer?.result;
    if (result) {
      this.layer!.result = undefined;
      result.reject(this.failure);
    }
  }

  private post(message: ToWorker, transfer: ArrayBuffer[] = []): void {
    if (!this.hasExited) this.worker.postMessage(message, transfer);
  }
}

/**
 * The compiled worker beside this module. Run from the TypeScript sources (vitest), nothing runnable is beside
 * it, so the build's copy in dist/ is used: `npm run build` before the tests (npm test does).
 */
function workerScript(): URL {
  return new URL(import.meta.url.endsWith('.ts') ? '../../dist/unpack/layer-worker.js' : './layer-worker.js', import.meta.url);
}
