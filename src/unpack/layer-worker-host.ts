import { Worker } from 'node:worker_threads';
import { FerryError } from '../errors.js';
import type { EntryBatch } from './entry-batches.js';
import type { ApplyStats } from './layer-applier.js';
import type { FromWorker, LayerWorkerData, ToWorker } from './layer-worker.js';
import { receivedError } from './thread-errors.js';

/**
 * The calling thread's side of the layer worker: starts it, sends it batches with at most MAX_IN_FLIGHT not
 * yet applied (so a slow disk holds the parser back and memory stays bounded), and settles only once the worker
 * has exited, so nothing is written into the rootfs after applyLayer has returned or failed.
 */
const MAX_IN_FLIGHT = 4;
/**
 * The worker's garbage is short-lived (headers, views of the batches): a small young generation keeps its heap at
 * a few MB instead of V8's default tens, for peak RSS (measured on the realistic unpack: 185 MB with the default,
 * 155 MB with 2 MB). Its cost in time is not known yet: the runs so far were on a loaded machine.
 */
const WORKER_YOUNG_GENERATION_MB = 2;

export interface AppliedLayer {
  stats: ApplyStats;
  warnings: string[];
}

export class LayerWorkerHost {
  private readonly worker: Worker;
  private readonly exited: Promise<void>;
  private inFlight = 0;
  private waiting: { resolve(): void; reject(err: Error): void } | undefined;
  private applied: AppliedLayer | undefined;
  private stopped = false;
  private failure: Error | undefined;

  constructor(
    data: LayerWorkerData,
    private readonly onDone: (entries: number, data: ArrayBuffer) => void,
  ) {
    this.worker = new Worker(workerScript(), { workerData: data, resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB } });
    this.worker.on('message', (message: FromWorker) => this.received(message));
    // An uncaught error in the worker (or one loading it) is a bug, reported as it is.
    this.worker.on('error', (err) => this.failed(err));
    this.exited = new Promise((resolve) => {
      this.worker.once('exit', () => {
        if (!this.applied && !this.stopped) this.failed(new FerryError('ERR_INTERNAL', 'the layer worker stopped without a result'));
        resolve();
      });
    });
  }

  /** Hands `batch` to the worker, first waiting while too many are being applied; fails once the worker has. */
  async send(batch: EntryBatch): Promise<void> {
    if (this.inFlight >= MAX_IN_FLIGHT) await new Promise<void>((resolve, reject) => (this.waiting = { resolve, reject }));
    if (this.failure) throw this.failure;
    this.inFlight++;
    this.post({ type: 'batch', batch }, [batch.data]);
  }

  /** The whole layer was sent: waits for the worker to apply it and exit. */
  async finish(): Promise<AppliedLayer> {
    this.post({ type: 'end', end: 'complete' });
    await this.exited;
    if (this.applied) return this.applied;
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

  private received(message: FromWorker): void {
    switch (message.type) {
      case 'batch-done': {
        this.inFlight--;
        this.onDone(message.entries, message.data);
        const waiting = this.waiting;
        this.waiting = undefined;
        waiting?.resolve();
        break;
      }
      case 'applied':
        this.applied = { stats: message.stats, warnings: message.warnings };
        break;
      case 'stopped':
        this.stopped = true;
        break;
      case 'failed':
        this.failed(receivedError(message.error));
    }
  }

  /** Records the first failure and wakes a waiting sender with it. */
  private failed(err: Error): void {
    this.failure ??= err;
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.reject(this.failure);
  }

  private post(message: ToWorker, transfer: ArrayBuffer[] = []): void {
    this.worker.postMessage(message, transfer);
  }
}

/**
 * The compiled worker beside this module. Run from the TypeScript sources (vitest), nothing runnable is beside
 * it, so the build's copy in dist/ is used: `npm run build` before the tests (npm test does).
 */
function workerScript(): URL {
  return new URL(import.meta.url.endsWith('.ts') ? '../../dist/unpack/layer-worker.js' : './layer-worker.js', import.meta.url);
}
