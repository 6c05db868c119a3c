import type { ZstdBackend } from '../../src/oci/compression.js';

/** The FERRY_ZSTD_BACKEND value that forces each backend. */
export const ZSTD_ENV_NAME: Record<ZstdBackend, string> = { 'node:zlib': 'node', 'zstd-cli': 'cli', fzstd: 'js' };
