import type { Argv, CommandModule } from 'yargs';
import { emit, note, type GlobalOptions } from '../output.js';
import { blobProgress } from '../progress.js';
import { openStore } from '../store.js';
import { copyOptions, copyText, transferOptions, type TransferArgs } from './registry-options.js';

interface CopyArgs extends TransferArgs {
  src: string;
  dst: string;
}

export const copyCommand: CommandModule<GlobalOptions, CopyArgs> = {
  command: 'copy <src> <dst>',
  describe: 'copy an image between registries (docker://REF), the store (store:NAME) and archive files',
  builder: (y: Argv<GlobalOptions>) =>
    transferOptions(
      y
        .positional('src', { type: 'string', demandOption: true, describe: 'docker://REF, store:NAME, oci-archive:FILE, docker-archive:FILE, a file path, or - for stdin' })
        .positional('dst', { type: 'string', demandOption: true, describe: 'docker://REF, store:NAME, oci-archive:FILE, docker-archive:FILE, a file path, or - for stdout' })
        .example('$0 copy docker://alpine docker://reg.local/alpine  # registry to registry', '')
        .example('$0 copy store:alpine:3.19 oci-archive:a.tar  # the store to an archive (like export)', '')
        .example('$0 copy a.tar docker://127.0.0.1:5000/a:1  # an archive to a registry (like push)', '')
        .epilog(
          'Without --platform or --all-platforms ferry copies what the host runs. Within one registry, blobs are mounted ' +
            'from the source repository instead of uploaded. Archives are read in any format ferry ' +
            'imports and written as ferry exports them (an OCI layout with a docker manifest.json), whichever prefix names them.',
        ),
    ) as unknown as Argv<CopyArgs>,
  handler: async (argv) => {
    const { copyImage } = await import('../../ops/copy.js');
    const store = await openStore(argv);
    const progress = blobProgress('copying', argv);
    try {
      const result = await copyImage(store, argv.src, argv.dst, copyOptions(argv, progress.update, [argv.src]));
      progress.done();
      if (argv.dst === '-' && !argv.json) copyText('copied', result).forEach((l) => note(l));
      else emit(argv, result, () => copyText('copied', result));
    } finally {
      progress.done();
    }
  },
};
