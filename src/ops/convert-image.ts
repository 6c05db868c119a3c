import { convertImage, type ConvertOptions, type ConvertResult } from '../convert/index.js';
import { FerryError } from '../errors.js';
import { normalizeName } from '../oci/reference.js';
import type { Store } from '../store/index.js';

export interface ConvertStoredOptions extends ConvertOptions {
  /** Name for the converted image; default: replace the image under its own name. */
  tag?: string;
}

export interface ConvertStoredResult extends ConvertResult {
  /** The name converted, and the name the result was stored under. */
  source: string;
  name: string;
  /** True when the image already was what was asked for: nothing was written, the record was not touched. */
  unchanged: boolean;
}

/**
 * `ferry convert IMAGE`: converts a stored image and names the result. New blobs are staged, so a concurrent gc
 * cannot remove them before the name points at them; the old blobs stay until gc. A conversion that changes
 * nothing under the same name writes nothing at all.
 */
export async function convertStoredImage(store: Store, image: string, opts: ConvertStoredOptions): Promise<ConvertStoredResult> {
  if (!opts.format && !opts.layers) {
    throw new FerryError('ERR_USAGE', 'convert needs something to change', { hint: 'give --oci, --docker or --layers gzip|zstd|uncompressed' });
  }
  const source = normalizeName(image);
  const name = opts.tag ? normalizeName(opts.tag) : source;
  const record = await store.getImage(source);
  if (!record) throw new FerryError('ERR_NOT_FOUND', `no image named ${source} in the store`, { hint: "see 'ferry images ls'" });
  const staging = await store.stage();
  try {
    const result = await convertImage(store, staging, record.target, opts);
    if (result.changed.length === 0 && result.target.digest === record.target.digest && name === source) {
      await staging.abort();
      return { ...result, source, name, unchanged: true };
    }
    const { annotations: _dropped, ...target } = result.target;
    await staging.commit({
      keep: result.changed.map((c) => c.to.digest),
      records: [{ name, target, ...(record.annotations ? { annotations: record.annotations } : {}) }],
    });
    return { ...result, source, name, unchanged: false };
  } catch (err) {
    await staging.abort();
    throw err;
  }
}
