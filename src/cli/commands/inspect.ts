import type { Argv, CommandModule } from 'yargs';
import { emit, type GlobalOptions } from '../output.js';
import { openStore } from '../store.js';
import { imageTreesDot } from './image-tree-dot.js';
import { imageTreeText } from './image-tree-text.js';
import { platformSizeLines } from './platform-sizes.js';

interface InspectArgs extends GlobalOptions {
  target: string;
  format: 'text' | 'dot';
}

export const inspectCommand: CommandModule<GlobalOptions, InspectArgs> = {
  command: 'inspect <target>',
  describe: 'show an archive or stored image as a tree: index, platforms, manifests, configs and layers, and what is missing',
  builder: (y: Argv<GlobalOptions>) =>
    y
      .positional('target', { type: 'string', demandOption: true, describe: 'archive file (- for stdin), else an image name in the store' })
      .option('format', { choices: ['text', 'dot'] as const, default: 'text' as const, describe: 'text: the tree and a size summary per platform; dot: a Graphviz graph' })
      .example('$0 inspect alpine.tar  # an archive, without importing it', '')
      .example('$0 inspect --format dot app.tar | dot -Tsvg > app.svg  # which platforms share which layers', '')
      .example('$0 inspect --json alpine:3.19  # an image of the store, as JSON', '') as unknown as Argv<InspectArgs>,
  handler: async (argv) => {
    const { inspectImage } = await import('../../ops/inspect-image.js');
    const result = await inspectImage(() => openStore(argv, { readOnly: true }), argv.target);
    if (argv.format === 'dot' && !argv.json) {
      process.stdout.write(`${imageTreesDot(result.images).join('\n')}\n`);
      return;
    }
    emit(argv, result, () => [
      `${result.kind} ${result.where}${result.format ? ` (${result.format})` : ''}: ${result.images.length} image(s)`,
      ...result.images.flatMap((i) => [...imageTreeText(i, true), ...(i.manifests.length > 0 ? ['', ...platformSizeLines(i), ''] : [])]),
    ]);
  },
};
