import type { Argv, CommandModule } from 'yargs';
import { emit, type GlobalOptions } from '../output.js';
import { blobProgress } from '../progress.js';
import { openStore } from '../store.js';
import { daemonArgs, daemonOptions, daemonUnpackText, type DaemonArgs } from './daemon-options.js';
import { copyOptions, copyText, transferOptions, type TransferArgs } from './registry-options.js';

interface CopyArgs extends TransferArgs, DaemonArgs {
  src: string;
  dst: string;
}

export const copyCommand: CommandModule<GlobalOptions, CopyArgs> = {
  command: 'copy <src> <dst>',
  describe: 'copy an image between registries (docker://REF), the store (store:NAME), archive files, containerd and the docker engine',
  builder: (y: Argv<GlobalOptions>) =>
    daemonOptions(transferOptions(
      y
        .positional('src', { type: 'string', demandOption: true, describe: 'docker://REF, store:NAME, containerd:[NS/]NAME, docker-daemon:NAME, oci-archive:FILE[:REF], docker-archive:FILE[:REF|@N], oci:DIR[:REF], a file path, or - for stdin' })
        .positional('dst', { type: 'string', demandOption: true, describe: 'docker://REF, store:NAME, containerd:[NS/]NAME, docker-daemon:NAME, oci-archive:FILE[:NAME], docker-archive:FILE, a file path, or - for stdout (which then carries only the archive; the result, --json too, goes to stderr)' })
        .example('$0 copy docker://alpine docker://reg.local/alpine  # registry to registry', '')
        .example('$0 copy store:alpine:3.19 oci-archive:a.tar  # the store to an archive (like export)', '')
        .example('$0 copy a.tar docker://127.0.0.1:5000/a:1  # an archive to a registry (like push)', '')
        .example("$0 copy --all-platforms a.tar containerd:k8s.io/docker.io/library/a:1  # into containerd (every platform kept, the host's unpacked)", '')
        .example('$0 copy a.tar docker-daemon:a:1  # into the docker engine (the host platform)', '')
        .epilog(
          'Without --platform or --all-platforms ferry copies what the host runs. Within one registry, blobs are mounted ' +
            'from the source repository instead of uploaded. Archives are read in any format ferry ' +
            'imports and written as ferry exports them (an OCI layout with a docker manifest.json), whichever prefix names them. ' +
            'containerd gets the content of the platforms copied with its gc labels and the unpack platform unpacked into its snapshotter; ' +
            'the docker engine keeps one platform per name: the unpack platform is loaded.',
        ),
    ), { unpackFlags: true }) as unknown as Argv<CopyArgs>,
  handler: async (argv) => {
    const { copyImage } = await import('../../ops/copy.js');
    const store = await openStore(argv);
    const progress = blobProgress('copying', argv);
    try {
      const result = await copyImage(store, argv.src, argv.dst, { ...copyOptions(argv, progress.update, [argv.src]), daemons: daemonArgs(argv) });
      progress.done();
      emit(argv, result, () => [...copyText('copied', result), ...daemonUnpackText(result.unpack, result.loaded)], { archiveOnStdout: argv.dst === '-' });
    } finally {
      progress.done();
    }
  },
};
