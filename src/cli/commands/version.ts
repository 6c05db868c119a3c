import { readFileSync } from 'node:fs';
import type { CommandModule } from 'yargs';
import { emit, type GlobalOptions } from '../output.js';
import { hostPlatform, formatPlatform } from '../../platform/index.js';
import { zstdBackend } from '../../oci/compression.js';

const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };

export const versionCommand: CommandModule<GlobalOptions, GlobalOptions> = {
  command: 'version',
  describe: 'print ferry version, Node.js version, host platform and zstd backend',
  builder: (y) => y.example('$0 version --json', 'for bug reports'),
  handler: (argv) => {
    const info = { version: pkg.version, node: process.versions.node, platform: formatPlatform(hostPlatform()), zstd: zstdBackend() };
    emit(argv, info, () => [`ferry ${info.version}`, `node ${info.node}`, `platform ${info.platform}`, `zstd ${info.zstd}`]);
  },
};
