/**
 * How many tar bytes one archive may produce. A compressed archive is bounded like a layer: it may inflate to
 * FERRY_MAX_DECOMPRESSION_RATIO times what the user handed in (its file size, or what has been read from stdin
 * so far), at least the layer floor — so a 132 KB .tar.zst cannot write gigabytes of zeros to staging, whether
 * they sit in a layer or in an entry no image references. Every import also has a size cap of its own, for
 * plain archives and for trusted-but-huge inputs alike: `--max-size` or FERRY_MAX_IMPORT_SIZE. Entries no image
 * references are not written at all when the archive can be read twice (see survey.ts); read once, a compressed
 * archive may write only FERRY_MAX_UNREFERENCED_SIZE bytes before its metadata says what its images reference.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { FerryError } from '../../errors.js';
import { decompressionLimit, RATIO_ENV } from '../../oci/bomb-guard.js';

export const MAX_IMPORT_SIZE_ENV = 'FERRY_MAX_IMPORT_SIZE';
/** Larger than any image archive seen in practice (CUDA images for seven platforms stay well under it). */
export const DEFAULT_MAX_IMPORT_SIZE = 256 * 1024 ** 3;
export const UNREFERENCED_SIZE_ENV = 'FERRY_MAX_UNREFERENCED_SIZE';
/**
 * Room for `docker save | gzip` of a large image on stdin (its layers all come before manifest.json, and docker
 * load takes such a pipe whatever its size). A tiny hostile archive is stopped long before by the inflation bound;
 * this caps what a large compressed stream may leave in staging before its metadata.
 */
export const DEFAULT_MAX_UNREFERENCED_SIZE = 16 * 1024 ** 3;

const UNITS: Record<string, number> = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 };

/** A size like `4096`, `512M`, `20G` or `1T` (binary units, an optional `iB`/`B`); undefined when malformed. */
export function parseByteSize(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)\s*([KMGT]?)(?:i?B)?$/i.exec(text.trim());
  if (!match) return undefined;
  const bytes = Number(match[1]) * UNITS[match[2]!.toUpperCase()]!;
  return Number.isFinite(bytes) && bytes > 0 ? Math.floor(bytes) : undefined;
}

/** The cap from `given` (the --max-size option), else FERRY_MAX_IMPORT_SIZE, else the default. */
export function maxImportSize(given?: string, env: NodeJS.ProcessEnv = process.env): number {
  const raw = given ?? env[MAX_IMPORT_SIZE_ENV];
  return sizeSetting(raw, DEFAULT_MAX_IMPORT_SIZE, given === undefined ? `${MAX_IMPORT_SIZE_ENV}=` : '--max-size ');
}

/** The cap on bytes written before an archive read once says what its images reference: FERRY_MAX_UNREFERENCED_SIZE, else the default. */
export function maxUnreferencedSize(env: NodeJS.ProcessEnv = process.env): number {
  return sizeSetting(env[UNREFERENCED_SIZE_ENV], DEFAULT_MAX_UNREFERENCED_SIZE, `${UNREFERENCED_SIZE_ENV}=`);
}

function sizeSetting(raw: string | undefined, fallback: number, setting: string): number {
  if (raw === undefined || raw === '') return fallback;
  const bytes = parseByteSize(raw);
  if (bytes === undefined) {
    throw new FerryError('ERR_USAGE', `${setting}${JSON.stringify(raw)} is not a size`, {
      hint: 'give a number of bytes with an optional unit, e.g. 500M, 20G or 1T',
    });
  }
  return bytes;
}

export interface ArchiveBudgetOptions {
  where: string;
  /** Cap on the archive's tar bytes. */
  maxBytes: number;
  /** For compressed archives: the ratio, and the compressed bytes handed in so far (the file size when known). */
  inflation?: { ratio: number; compressedBytes(): number };
}

/** Counts the tar bytes passing by and fails with ERR_TOO_LARGE at the first byte beyond either bound. */
export class ArchiveBudget extends Transform {
  private seen = 0;

  constructor(private readonly opts: ArchiveBudgetOptions) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.seen += chunk.length;
    done(this.excess(), chunk);
  }

  private excess(): FerryError | null {
    const { where, maxBytes, inflation } = this.opts;
    if (this.seen > maxBytes) {
      return new FerryError('ERR_TOO_LARGE', `${where} holds more than ${maxBytes} bytes of tar, the size cap of one import`, {
        path: where,
        hint: `if the archive is trusted, raise the cap with --max-size or ${MAX_IMPORT_SIZE_ENV} (e.g. 1T)`,
      });
    }
    if (!inflation) return null;
    const compressed = inflation.compressedBytes();
    const limit = decompressionLimit(compressed, inflation.ratio);
    if (this.seen <= limit) return null;
    return new FerryError('ERR_TOO_LARGE', `${where} inflates to more than ${limit} bytes from ${compressed} compressed bytes (a decompression bomb?)`, {
      path: where,
      hint: `a compressed archive may inflate to ${inflation.ratio}:1 of its size, like a layer; if the archive is trusted, raise it with ${RATIO_ENV}`,
    });
  }
}

/** Counts the compressed bytes handed in, for the inflation bound. */
export class ByteCounter extends Transform {
  bytes = 0;

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    done(null, chunk);
  }
}
