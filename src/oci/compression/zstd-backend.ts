import type { Transform } from 'node:stream';
import * as zlib from 'node:zlib';
import { FerryError } from '../../errors.js';
import { loadZstdNapi } from './napi-binding.js';
import { hasZstdProgram, ZSTD_PROGRAM_HINT } from './zstd-program.js';

/**
 * Where zstd work is done: Node's own zlib (Node ≥ 22.15), the zstd-napi binding, the zstd program in a child
 * process (decoding only), or the pure-JS fzstd (decoding only, about 4× slower than the program).
 */
export type ZstdBackend = 'node:zlib' | 'zstd-napi' | 'zstd-cli' | 'fzstd';

/** `FERRY_ZSTD_BACKEND=node|napi|cli|js` forces a backend (tests run each one; users can dodge a broken one). */
export const ZSTD_BACKEND_ENV = 'FERRY_ZSTD_BACKEND';

const ENV_VALUES: Record<string, ZstdBackend> = { node: 'node:zlib', napi: 'zstd-napi', cli: 'zstd-cli', js: 'fzstd' };

/** Whether each backend works here; each is asked only when a faster one is missing or it is forced. */
const USABLE: Record<ZstdBackend, () => boolean> = {
  'node:zlib': () => nodeZstd() !== undefined,
  'zstd-napi': () => loadZstdNapi() !== undefined,
  'zstd-cli': hasZstdProgram,
  fzstd: () => true,
};

/** Fastest first. */
const PREFERENCE: ZstdBackend[] = ['node:zlib', 'zstd-napi', 'zstd-cli', 'fzstd'];

const UNAVAILABLE_HINT: Record<Exclude<ZstdBackend, 'fzstd'>, string> = {
  'node:zlib': 'Node has zstd from 22.15 on; unset the variable to use another backend',
  'zstd-napi': 'install zstd-napi (npm install zstd-napi), or unset the variable',
  'zstd-cli': `${ZSTD_PROGRAM_HINT}, or unset the variable`,
};

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
  return PREFERENCE.filter((backend) => USABLE[backend]());
}

/** The backend forced by the environment, checked to be usable; undefined when none is forced. */
function forcedBackend(): ZstdBackend | undefined {
  const value = process.env[ZSTD_BACKEND_ENV];
  if (value === undefined || value === '') return undefined;
  const backend = ENV_VALUES[value];
  if (!backend) {
    throw new FerryError('ERR_USAGE', `${ZSTD_BACKEND_ENV}=${JSON.stringify(value.slice(0, 40))} is not a zstd backend`, {
      hint: `set ${ZSTD_BACKEND_ENV} to node, napi, cli or js, or unset it to choose automatically`,
    });
  }
  if (backend !== 'fzstd' && !USABLE[backend]()) {
    throw new FerryError('ERR_UNSUPPORTED', `${ZSTD_BACKEND_ENV}=${value} asks for ${backend}, which is not available here`, {
      hint: UNAVAILABLE_HINT[backend],
    });
  }
  return backend;
}

/** The backend that decompresses zstd now: the forced one, else the fastest available. */
export function zstdBackend(): ZstdBackend {
  return forcedBackend() ?? PREFERENCE.find((backend) => USABLE[backend]())!;
}

/**
 * The backend that compresses zstd now, or undefined when none can. Compression stays in-process: the zstd
 * program decodes only, so with it the in-process compressor is used when there is one. Forcing `js` means
 * "no native code", so it leaves no compressor.
 */
export function zstdCompressorBackend(): 'node:zlib' | 'zstd-napi' | undefined {
  const backend = zstdBackend();
  if (backend === 'zstd-cli') return PREFERENCE.find((b): b is 'node:zlib' | 'zstd-napi' => (b === 'node:zlib' || b === 'zstd-napi') && USABLE[b]());
  return backend === 'fzstd' ? undefined : backend;
}
