import type { Transform } from 'node:stream';
import * as zlib from 'node:zlib';
import { FerryError } from '../../errors.js';
import { hasZstdProgram, ZSTD_PROGRAM_HINT } from './zstd-program.js';

/**
 * Where zstd work is done: Node's own zlib (Node ≥ 22.15), the zstd program in a child process, or the pure-JS
 * fzstd (decoding only, about 4× slower than the program). Nothing here needs an install step beyond npm's.
 */
export type ZstdBackend = 'node:zlib' | 'zstd-cli' | 'fzstd';

/** The backends that also compress. */
export type ZstdCompressorBackend = Exclude<ZstdBackend, 'fzstd'>;

/** `FERRY_ZSTD_BACKEND=node|cli|js` forces a backend (tests run each one; users can dodge a broken one). */
export const ZSTD_BACKEND_ENV = 'FERRY_ZSTD_BACKEND';

const ENV_VALUES: Record<string, ZstdBackend> = { node: 'node:zlib', cli: 'zstd-cli', js: 'fzstd' };

/** Whether each backend works here; each is asked only when a faster one is missing or it is forced. */
const USABLE: Record<ZstdBackend, () => boolean> = {
  'node:zlib': () => nodeZstd() !== undefined,
  'zstd-cli': hasZstdProgram,
  fzstd: () => true,
};

/** Fastest first. */
const PREFERENCE: ZstdBackend[] = ['node:zlib', 'zstd-cli', 'fzstd'];

const UNAVAILABLE_HINT: Record<ZstdCompressorBackend, string> = {
  'node:zlib': 'Node has zstd from 22.15 on; unset the variable to use another backend',
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
  // Own keys only: `toString` is no backend.
  const backend = Object.hasOwn(ENV_VALUES, value) ? ENV_VALUES[value] : undefined;
  if (!backend) {
    throw new FerryError('ERR_USAGE', `${ZSTD_BACKEND_ENV}=${JSON.stringify(value.slice(0, 40))} is not a zstd backend`, {
      hint: `set ${ZSTD_BACKEND_ENV} to node, cli or js, or unset it to choose automatically`,
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
 * The backend that compresses zstd now, or undefined when none can: the decoder's choice, since node:zlib and the
 * zstd program both compress; fzstd only decodes, so with it (chosen, or forced as "no native code") none can.
 */
export function zstdCompressorBackend(): ZstdCompressorBackend | undefined {
  const backend = zstdBackend();
  return backend === 'fzstd' ? undefined : backend;
}
