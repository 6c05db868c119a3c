import { mkdir } from 'node:fs/promises';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { FerryError } from '../errors.js';
import type { Descriptor } from '../oci/descriptor.js';
import { DigestingStream, parseDigest } from '../oci/digest.js';
import { readLayer } from '../oci/layer-stream.js';
import { isNonDistributable } from '../oci/mediatypes.js';
import type { ContentSource } from '../oci/transport.js';
import { type ApplyStats, applyLayer } from './apply-layer.js';
import { LayerWorkerHost } from './layer-worker-host.js';
import { BombGuard, maxDecompressionRatio } from '../oci/bomb-guard.js';
import { diffIDMismatch } from './verify-diffids.js';

export interface UnpackImageOptions {
  /** Apply ownership and setuid/setgid bits; defaults to whether the process runs as root. */
  isRoot?: boolean;
  /** Called for each warning as it happens (they are also returned). */
  onWarning?(message: string): void;
  /** How many times its compressed size a layer may inflate to (see oci/bomb-guard.ts); default $FERRY_MAX_DECOMPRESSION_RATIO or 1000. */
  maxDecompressionRatio?: number;
  /** Bytes every layer may inflate to whatever its ratio (see oci/bomb-guard.ts). */
  minDecompressionLimit?: number;
  /** Called as layers are read and entries applied (for progress displays). */
  onProgress?(progress: UnpackProgress): void;
}

/** Where an unpack is: `read` of `total` counts the layers' stored (compressed) bytes, so it can give an ETA. */
export interface UnpackProgress {
  layer: number;
  layers: number;
  /** Entries (files, directories, links) applied so far, over all layers. */
  entries: number;
  read: number;
  total: number;
}

export interface UnpackImageResult {
  /** The diffIDs, each checked against the uncompressed content of its layer. */
  diffIDs: string[];
  warnings: string[];
  layers: ApplyStats[];
}

/**
 * A layer worker that applied more entries than this is replaced for the next layer. Its heap still holds the
 * layer's path records (tens of MB for tens of thousands of entries) until V8 gets to a full collection, which it
 * puts off; a fresh thread costs ~0.1 s of CPU, nothing beside a layer that big. Small layers share one thread.
 */
const RETIRE_AFTER_ENTRIES = 5_000;

/**
 * Applies an image's layers in order into `dir` (created if needed). Each layer is fetched, checked against its
 * descriptor, decompressed by what its first bytes say (never by media type), and applied while its
 * uncompressed digest is computed; that digest must equal the config's diffID. On failure `dir` is left partly
 * written: for all-or-nothing, unpack into a fresh directory (ensureSnapshot does).
 */
export async function unpackImage(
  source: ContentSource,
  layers: readonly Descriptor[],
  diffIDs: readonly string[],
  dir: string,
  opts: UnpackImageOptions = {},
): Promise<UnpackImageResult> {
  if (layers.length !== diffIDs.length) {
    throw new FerryError('ERR_INVALID_DOCUMENT', `the manifest lists ${layers.length} layers but the config has ${diffIDs.length} diff_ids`, {
      hint: 'the manifest and its config do not belong together; the image is corrupt',
    });
  }
  for (const diffID of diffIDs) parseDigest(diffID, 'image config rootfs.diff_ids');
  const bombLimit = { ratio: opts.maxDecompressionRatio ?? maxDecompressionRatio(), ...(opts.minDecompressionLimit === undefined ? {} : { floor: opts.minDecompressionLimit }) };
  await mkdir(dir, { recursive: true });
  const warnings: string[] = [];
  const onWarning = (message: string) => {
    warnings.push(message);
    opts.onWarning?.(message);
  };
  const stats: ApplyStats[] = [];
  const progress = opts.onProgress ? progressTracker(layers, opts.onProgress) : undefined;
  // One worker thread applies layers in turn, until it has applied a big one (see RETIRE_AFTER_ENTRIES).
  let worker: LayerWorkerHost | undefined;
  try {
    for (const [index, layer] of layers.entries()) {
      const label = `${index + 1} of ${layers.length} (${layer.digest})`;
      const from = progress ? progress.source(source, index) : source;
      worker ??= new LayerWorkerHost();
      const applied = await unpackLayer(from, layer, diffIDs[index]!, label, dir, {
        onWarning,
        bombLimit,
        worker,
        ...(opts.isRoot === undefined ? {} : { isRoot: opts.isRoot }),
        ...(progress ? { onEntry: progress.entry } : {}),
      });
      stats.push(applied);
      if (applied.entries > RETIRE_AFTER_ENTRIES) {
        await worker.close();
        worker = undefined;
      }
    }
  } finally {
    await worker?.close();
  }
  return { diffIDs: [...diffIDs], warnings, layers: stats };
}

async function unpackLayer(
  source: ContentSource,
  layer: Descriptor,
  diffID: string,
  label: string,
  dir: string,
  opts: { isRoot?: boolean; onWarning(message: string): void; onEntry?(): void; bombLimit: { ratio: number; floor?: number }; worker: LayerWorkerHost },
): Promise<ApplyStats> {
  if (!(await source.has(layer))) throw missingLayer(layer, label);
  const digester = new DigestingStream(parseDigest(diffID).algorithm);
  const { result: stats } = await readLayer(source, layer, () => ({
    stages: [new BombGuard({ ...opts.bombLimit, compressedSize: layer.size, where: `layer ${label}` }), digester],
    consume: (tar) =>
      applyLayer(dir, tar, {
        ...(opts.isRoot === undefined ? {} : { isRoot: opts.isRoot }),
        onWarning: opts.onWarning,
        ...(opts.onEntry ? { onEntry: opts.onEntry } : {}),
        where: layer.digest,
        worker: opts.worker,
      }),
  }));
  const actual = digester.digest.digest;
  if (actual !== diffID) throw diffIDMismatch(label, actual, diffID);
  return stats;
}

function missingLayer(layer: Descriptor, label: string): FerryError {
  const foreign = isNonDistributable(layer.mediaType);
  return new FerryError('ERR_BLOB_MISSING', `layer ${label} is not in the source${foreign ? ' (a foreign, non-distributable layer)' : ''}`, {
    digest: layer.digest,
    hint: foreign
      ? `foreign layers are not shipped in archives; fetch it from ${layer.urls?.length ? layer.urls.join(', ') : 'the registry that serves the base image'} or pull the image from a registry`
      : 'the image is incomplete; import or pull it again with all its layers',
  });
}

/** Counts the stored bytes each layer's stream yields and the entries applied, and reports both. */
function progressTracker(layers: readonly Descriptor[], report: (progress: UnpackProgress) => void) {
  const state: UnpackProgress = { layer: 0, layers: layers.length, entries: 0, read: 0, total: layers.reduce((sum, l) => sum + l.size, 0) };
  return {
    source(source: ContentSource, index: number): ContentSource {
      return {
        has: (desc) => source.has(desc),
        fetch: async (desc) => {
          state.layer = index + 1;
          const counter = new Transform({
            transform(chunk: Buffer, _encoding, done) {
              state.read += chunk.length;
              report(state);
              done(null, chunk);
            },
          });
          // A failed read destroys the counter with its error, so the layer reader sees it as before.
          pipeline(await source.fetch(desc), counter).catch(() => undefined);
          return counter;
        },
      };
    },
    entry(): void {
      state.entries += 1;
      report(state);
    },
  };
}
