import type { CommandModule } from 'yargs';
import { emit, type GlobalOptions } from '../output.js';

export const versionCommand: CommandModule<GlobalOptions, GlobalOptions> = {
  command: 'version',
  describe: 'print ferry version, Node.js version, host platform and zstd backend (also: ferry --version)',
  builder: (y) => y.example('$0 version --json  # for bug reports', ''),
  handler: printVersion,
};

/** Also run for `ferry --version`, before the command table is even built: it loads only what it prints. */
export async function printVersion(argv: GlobalOptions): Promise<void> {
  const [{ readFile }, { hostPlatform }, { formatPlatform }, { zstdBackend, zstdCompressorBackend }, { zstdProgramVersion }] = await Promise.all([
    import('node:fs/promises'),
    import('../../platform/host.js'),
    import('../../platform/parse.js'),
    import('../../oci/compression/zstd-backend.js'),
    import('../../oci/compression/zstd-program.js'),
  ]);
  const pkg = JSON.parse(await readFile(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  const zstd = zstdBackend();
  const info = {
    version: pkg.version,
    node: process.versions.node,
    platform: formatPlatform(hostPlatform()),
    zstd,
    // The compressor, or null when zstd can only be decoded here (export and convert to zstd then refuse).
    zstdCompression: zstdCompressorBackend() ?? null,
    // The program's version decides the bytes it compresses to.
    ...(zstd === 'zstd-cli' ? { zstdProgram: zstdProgramVersion() } : {}),
  };
  const program = info.zstdProgram ? ` (zstd ${info.zstdProgram})` : '';
  const roles = info.zstdCompression ? 'decodes and compresses' : 'decodes only';
  emit(argv, info, () => [`ferry ${info.version}`, `node ${info.node}`, `platform ${info.platform}`, `zstd ${info.zstd}${program}, ${roles}`]);
}
