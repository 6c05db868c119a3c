import { lstat, open, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { FerryError } from '../errors.js';
import { Annotation, type Descriptor } from '../oci/descriptor.js';
import { BombGuard, maxDecompressionRatio } from '../oci/bomb-guard.js';
import { createDecompressor } from '../oci/compression.js';
import { parseDigest, VerifyingStream } from '../oci/digest.js';
import type { ImageManifest } from '../oci/schemas.js';
import type { ContentSource } from '../oci/transport.js';
import { applyLayer, intoFreshDirectory } from '../unpack/index.js';
import { layerKind } from './layer-kind.js';
import { checkTitle } from './title.js';

export interface ExtractOptions {
  /** `--layer`: a layer index (0-based, as in the manifest's `layers`) or a title; all layers when absent. */
  layer?: string;
  onWarning?(message: string): void;
}

export interface ExtractedLayer {
  digest: string;
  mediaType: string;
  /** `file`: written as one file named `path`; `tar`: its entries extracted into the directory. */
  as: 'file' | 'tar';
  /** The file written (relative to the directory), for `file` layers. */
  path?: string;
  size: number;
}

/**
 * Materializes an artifact as files, the way CRI-O mounts artifacts: each layer with a title becomes a file of
 * that name, tar layers are extracted path-safely (applyLayer: no entry and no symlink leads outside), and all
 * layers merge into one directory in manifest order. Every blob is verified while it is written. The result
 * appears at `dir` only when everything was extracted and verified: the work happens in a temporary sibling that
 * is renamed into place, so a corrupt layer leaves nothing behind. `dir` must not exist or be empty. Tar layers
 * are bounded like unpacked ones ($FERRY_MAX_DECOMPRESSION_RATIO).
 */
export async function extractArtifact(source: ContentSource, manifest: ImageManifest, where: string, dir: string, opts: ExtractOptions = {}): Promise<ExtractedLayer[]> {
  const layers = pickLayers(manifest.layers, where, opts.layer);
  const ratio = maxDecompressionRatio();
  return intoFreshDirectory(dir, { hint: 'extract into a new or empty directory' }, async (temp) => {
    const extracted: ExtractedLayer[] = [];
    for (const layer of layers) extracted.push(await extractLayer(source, layer, temp, ratio, opts));
    return extracted;
  });
}

/** The layers `--layer` selects: an index into `layers`, else every layer whose title equals it. */
export function pickLayers(layers: Descriptor[], where: string, wanted?: string): Descriptor[] {
  if (wanted === undefined) return layers;
  const byIndex = /^\d+$/.test(wanted) ? layers[Number(wanted)] : undefined;
  if (byIndex) return [byIndex];
  const byTitle = layers.filter((l) => l.annotations?.[Annotation.title] === wanted);
  if (byTitle.length > 0) return byTitle;
  const titles = layers.map((l, i) => `${i}${l.annotations?.[Annotation.title] ? ` (${l.annotations[Annotation.title]})` : ''}`);
  throw new FerryError('ERR_NOT_FOUND', `${where} has no layer ${JSON.stringify(wanted)}`, {
    hint: `choose --layer by index or title: ${titles.join(', ') || 'the artifact has no layers'}`,
  });
}

async function extractLayer(source: ContentSource, layer: Descriptor, root: string, ratio: number, opts: ExtractOptions): Promise<ExtractedLayer> {
  const title = layer.annotations?.[Annotation.title];
  if (title !== undefined) checkTitle(title, `layer ${layer.digest}`);
  const kind = await layerKind(source, layer, title !== undefined);
  const base = { digest: layer.digest, mediaType: layer.mediaType, size: layer.size };
  if (kind.kind === 'tar') {
    // The same decompression-bomb bound as unpack: a small layer must not write gigabytes of zeros.
    const tarStream = new BombGuard({ compressedSize: layer.size, ratio, where: `layer ${layer.digest}` });
    // A digest mismatch found at the end of the blob destroys the tar stream with it, so applyLayer fails with it.
    const feeding = pipeline(await source.fetch(layer), new VerifyingStream(layer), createDecompressor(kind.compression, layer.digest), tarStream);
    feeding.catch(() => undefined);
    await applyLayer(root, tarStream, { where: layer.digest, ...(opts.onWarning ? { onWarning: opts.onWarning } : {}) });
    await feeding;
    return { ...base, as: 'tar' };
  }
  // An untitled file is named by its digest, as CRI-O names it.
  const name = title ?? parseDigest(layer.digest).hex;
  await writeFile(join(root, name), source, layer);
  return { ...base, as: 'file', path: name };
}

/** A later layer's file replaces an earlier one of the same name; a directory in the way is a conflict. */
async function writeFile(path: string, source: ContentSource, layer: Descriptor): Promise<void> {
  const existing = await lstat(path).catch(() => undefined);
  if (existing?.isDirectory()) {
    throw new FerryError('ERR_CONFLICT', `layer ${layer.digest}: ${basename(path)} is already a directory extracted from an earlier layer`, {
      digest: layer.digest,
      path: basename(path),
      hint: 'extract the layers one by one with --layer into different directories',
    });
  }
  if (existing) await rm(path, { force: true });
  const handle = await open(path, 'wx', 0o644);
  await pipeline(await source.fetch(layer), new VerifyingStream(layer), handle.createWriteStream({ highWaterMark: 256 * 1024 }));
}
