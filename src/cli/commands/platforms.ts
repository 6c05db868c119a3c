import type { Argv, CommandModule } from 'yargs';
import { emit, type GlobalOptions } from '../output.js';
import { openStore } from '../store.js';
import { tracked } from '../usage-context.js';

interface ExplainArgs extends GlobalOptions {
  specs: string[];
  against: string;
  strict?: boolean;
}

const explain: CommandModule<GlobalOptions, ExplainArgs> = {
  command: 'explain <specs..>',
  describe: 'show how platform specs match the manifests of an archive or image, and which one wins',
  builder: (y: Argv<GlobalOptions>) =>
    y
      .positional('specs', { type: 'string', array: true, demandOption: true, describe: 'platforms, e.g. linux/arm/v8 (or "host")' })
      .option('against', { type: 'string', demandOption: true, describe: 'archive file, - for stdin, or image name in the store' })
      .option('strict', { type: 'boolean', describe: 'exact matches only' })
      .example('$0 platforms explain linux/arm/v8 --against alpine.tar  # why the arm/v7 image is chosen', '') as unknown as Argv<ExplainArgs>,
  handler: async (argv) => {
    const [{ platformCandidates }, { explainPlatforms, formatExplanation }] = await Promise.all([
      import('../../ops/platform-candidates.js'),
      import('../../platform/index.js'),
    ]);
    const candidates = await platformCandidates(() => openStore(argv, { readOnly: true }), argv.against);
    const explanation = explainPlatforms(argv.specs, candidates, { strict: Boolean(argv.strict) });
    emit(argv, explanation, () => formatExplanation(explanation));
    // As grep: a strict question with no exact answer is a failed search that scripts can test for.
    if (argv.strict && !explanation.winner) process.exitCode = 1;
  },
};

const show: CommandModule<GlobalOptions, GlobalOptions> = {
  command: '$0',
  describe: 'print the host platform',
  handler: async (argv) => {
    const { formatPlatform, hostPlatform } = await import('../../platform/index.js');
    const host = hostPlatform();
    emit(argv, { host, formatted: formatPlatform(host) }, () => [formatPlatform(host)]);
  },
};

export const platformsCommand: CommandModule<GlobalOptions, GlobalOptions> = {
  command: 'platforms',
  describe: 'print the host platform; explain platform matching',
  builder: (y) => y.command(([show, explain] as CommandModule<GlobalOptions, GlobalOptions>[]).map(tracked)),
  handler: () => undefined,
};
