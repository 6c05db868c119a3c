import type { z } from 'zod';
import { FerryError } from '../errors.js';

/** JSON documents (manifests, indexes, configs, manifest.json) are read whole, but never beyond this size. */
export const MAX_DOCUMENT_BYTES = 8 * 1024 * 1024;

/**
 * A parsed JSON document and the exact bytes it came from. Digests are computed over `bytes`, never over a
 * re-serialization of `value`.
 */
export interface RawDocument<T> {
  bytes: Buffer;
  value: T;
}

const INVALID_HINT = 'the file is corrupt or was not written by an image tool; export or fetch it again';

/**
 * V8's JSON errors quote the document and schema paths are its keys: escape control characters and cap the
 * length, so a hostile file cannot break the one-line error or write escape sequences to the terminal.
 */
function printable(text: string): string {
  const escaped = text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return escaped.length > 200 ? `${escaped.slice(0, 200)}…` : escaped;
}

export function parseDocument<S extends z.ZodType>(schema: S, bytes: Buffer, where: string): RawDocument<z.output<S>> {
  if (bytes.length > MAX_DOCUMENT_BYTES) {
    throw new FerryError('ERR_TOO_LARGE', `${where} is ${bytes.length} bytes, more than the ${MAX_DOCUMENT_BYTES} allowed for a JSON document`, {
      path: where,
      hint: 'the archive is corrupt or hostile',
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw new FerryError('ERR_INVALID_DOCUMENT', `${where} is not valid JSON: ${printable((err as Error).message)}`, {
      path: where,
      hint: INVALID_HINT,
      cause: err,
    });
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const at = issue && issue.path.length > 0 ? ` at ${printable(issue.path.join('.'))}` : '';
    throw new FerryError('ERR_INVALID_DOCUMENT', `${where} is not a valid document${at}: ${printable(issue?.message ?? 'schema mismatch')}`, {
      path: where,
      hint: INVALID_HINT,
    });
  }
  return { bytes, value: parsed.data };
}

/**
 * Serializes a document ferry creates. Key order is the insertion order of `value`, so callers build objects
 * in the order the specs list the fields; the output is compact, as registries and containerd write it.
 */
export function serializeDocument(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value), 'utf8');
}
