import { createRequire } from 'node:module';

/**
 * The part of zstd-napi's native binding ferry uses (declared here, not imported, because zstd-napi is an
 * optional dependency: it builds from source with node-gyp and may be absent). Its own stream classes are not
 * used: they push a whole chunk's output at once (no backpressure) and misread an empty chunk as a new frame.
 */
export interface ZstdNapiBinding {
  DCtx: new () => { decompressStream(dst: Uint8Array, src: Uint8Array): [number, number, number] };
  CCtx: new () => {
    setParameter(param: number, value: number): void;
    compressStream2(dst: Uint8Array, src: Uint8Array, endOp: number): [number, number, number];
  };
  CParameter: { compressionLevel: number; checksumFlag: number };
  EndDirective: { continue: number; end: number };
  dStreamOutSize(): number;
  cStreamOutSize(): number;
}

let loaded: ZstdNapiBinding | null | undefined;

/** The binding, or undefined when zstd-napi is not installed or its native part did not build. */
export function loadZstdNapi(): ZstdNapiBinding | undefined {
  if (loaded === undefined) {
    try {
      loaded = createRequire(import.meta.url)('zstd-napi/binding') as ZstdNapiBinding;
    } catch {
      loaded = null;
    }
  }
  return loaded ?? undefined;
}
