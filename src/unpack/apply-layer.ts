import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { EntryBatches } from './entry-batches.js';
import type { ApplyStats } from './layer-applier.js';
import { LayerTarParser } from './layer-tar-parser.js';
import { LayerWorkerHost } from './layer-worker-host.js';

export type { ApplyStats } from './layer-applier.js';

export interface ApplyOptions {
  /** The layer, for messages: its digest or a short name. */
  where: string;
  /** Apply ownership and setuid/setgid bits; defaults to whether the process runs as root. */
  isRoot?: boolean;
  /** Called once per kind of thing the layer asked for that could not be done. */
  onWarning?(message: string): void;
  /** Called after each entry is applied (for progress displays). */
  onEntry?(): void;
  /** The worker thread to apply with, shared by an image's layers; without it the layer gets its own. */
  worker?: LayerWorkerHost;
}

/**
 * Applies one layer (an uncompressed OCI changeset tar) on top of `rootfs` (see layer-applier.ts for the rules).
 * Two threads share the work, as tar and gzip do in two processes: this one reads, decompresses, hashes and
 * parses; the layer worker (`opts.worker`, or one of its own) applies the entries with synchronous filesystem
 * calls. The promise settles once the worker has applied the whole layer, or on failure once the worker has
 * exited; the rootfs is then left partly applied — every entry before the failing one applied, nothing after —
 * so callers that need all-or-nothing unpack into a temporary directory (see snapshot.ts).
 */
export async function applyLayer(rootfs: string, tarStream: Readable, opts: ApplyOptions): Promise<ApplyStats> {
  const worker = opts.worker ?? new LayerWorkerHost();
  worker.startLayer({ rootfs, where: opts.where, isRoot: opts.isRoot ?? process.getuid?.() === 0 }, (entries, data) => {
    batches.reuse(data);
    for (let i = 0; i < entries; i++) opts.onEntry?.();
  });
  const batches = new EntryBatches((batch) => worker.send(batch));
  try {
    await pipeline(tarStream, new LayerTarParser(batches, opts.where));
    await batches.flush();
  } catch (err) {
    // The worker's failure is about an entry before this one (or is why this side stopped): it comes first.
    const applyError = await worker.stop();
    throw applyError ?? err;
  }
  const applied = await worker.finish();
  if (!opts.worker) await worker.close();
  for (const message of applied.warnings) opts.onWarning?.(message);
  return applied.stats;
}
