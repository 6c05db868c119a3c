import type { Transform } from 'node:stream';
import * as zlib from 'node:zlib';
import { FerryError } from '../../errors.js';
import { loadZstdNapi } from './napi-binding.js';

/** Where zstd work is done: Node's own zlib (Node ≥ 22.15), the zstd-napi binding, or the pure-JS fzstd. */
export type ZstdBackend = 'node:zlib' | 'zstd-napi' | 'fzstd';

/** `FERRY_ZSTD_BACKEND=node|napi|js` forces a backend (tests run each one; users can dodge a broken one). */
export const ZSTD_BACKEND_ENV = 'FERRY_ZSTD_BACKEND';

const ENV_VALUES: Record<string, ZstdBackend> = { node: 'node:zlib', napi: 'zstd-napi', js: 'fzstd' };

type ZstdFactory = (options?: zlib.ZlibOptions & { params?: Record<number, number> }) => Transform;
type ZlibWithZstd = typeof zlib & { createZstdDecompress?: ZstdFactory; createZstdCompress?: ZstdFactory };

/** Node's zstd streams, when this Node has them. */
export function nodeZstd(): { decompress: ZstdFactory; compress: ZstdFactory } | undefined {
  const z = zlib as ZlibWithZstd;
  return typeof z.createZstdDecompress === 'function' && typeof z.createZstdCompress === 'function'
    ? { decompress: z.createZstdDecompress, compress: z.createZstdCompress }
    : undefined;
}

/** Backends usable on this machine, best first; fzstd (decompression only) is always there. */
export function availableZstdBackends(): ZstdBackend[] {
  return [...(nodeZstd() ? ['node:zlib' as const] : []), ...(loadZstdNapi() ? ['zstd-napi' as const] : []), 'fzstd'];
}

/** The backend forced by the environment, checked to be usable; undefined when none is forced. */
function forcedBackend(): ZstdBackend | undefined {
  const value = process.env[ZSTD_BACKEND_ENV];
  if (value === undefined || value === '') return undefined;
  const backend = ENV_VALUES[value];
  if (!backend) {
    throw new FerryError('ERR_USAGE', `${ZSTD_BACKEND_ENV}=${JSON.stringify(value.slice(0, 40))} is not a zstd backend`, {
      hint: `set ${ZSTD_BACKEND_ENV} to node, napi or js, or unset it to choose automatically`,
    });
  }
  if (!availableZstdBackends().includes(backend)) {
    throw new FerryError('ERR_UNSUPPORTED', `${ZSTD_BACKEND_ENV}=${value} asks for ${backend}, which is not available here`, {
      hint: backend === 'node:zlib' ? 'Node has zstd from 22.15 on; unset the variable to use another backend' : 'install zstd-napi (npm install zstd-napi), or unset the variable',
    });
  }
  return backend;
}

/** The backend that decompresses zstd now: the forced one, else the fastest available. */
export function zstdBackend(): ZstdBackend {
  return forcedBackend() ?? availableZstdBackends()[0]!;
}

/**
 * The backend that compresses zstd now, or undefined when none can (fzstd only decodes). Forcing `js` means
 * "no native code", so it leaves no compressor.
 */
export function zstdCompressorBackend(): Exclude<ZstdBackend, 'fzstd'> | undefined {
  const backend = zstdBackend();
  return backend === 'fzstd' ? undefined : backend;
}
