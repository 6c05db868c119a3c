import type { CommandModule } from 'yargs';
import { emit, type GlobalOptions } from '../output.js';
import { openStore } from '../store.js';

export const fsckCommand: CommandModule<GlobalOptions, GlobalOptions> = {
  command: 'fsck',
  describe: 'check the store after a crash: re-hash every blob, walk every image, remove leftovers of dead ferry processes',
  builder: (y) => y.example('$0 --root /var/lib/ferry fsck --json  # after a crash: re-hash, check, clean up', ''),
  handler: async (argv) => {
    const { checkStore } = await import('../../store/fsck.js');
    const result = await checkStore((await openStore(argv)).paths);
    // Problems are findings, not a failure to run: the report goes to stdout and the exit code says "not clean".
    if (result.problems.length > 0) process.exitCode = 1;
    emit(argv, result, () => [
      `checked ${result.checkedBlobs} blob(s) and ${result.checkedRecords} image(s); removed ${result.removedTemp.length} leftover(s) of dead ferry processes and ${result.removedSnapshots.length} orphan snapshot(s)`,
      ...(result.absent.length > 0 ? [`${result.absent.length} blob(s) the images refer to are absent (platforms or attestations not imported)`] : []),
      ...result.problems.map((p) => `problem: ${p.message}`),
      result.problems.length === 0 ? 'store is sound' : `${result.problems.length} problem(s); re-import or re-pull the images named above`,
    ]);
  },
};
