import { exitWhenDone } from './exit.js';
import { reportError } from './output.js';
import { enteredCommand } from './usage-context.js';
import { printVersion } from './commands/version.js';
import { reclaimBuffersPromptly } from './buffer-reclaim.js';
import { applyStreamingV8Settings } from './v8-settings.js';

/** Runs the CLI as the whole process: exits with the command's status (see exitWhenDone). */
export function runFerryProcess(args: string[]): Promise<never> {
  applyStreamingV8Settings();
  reclaimBuffersPromptly();
  let command = 'ferry';
  return exitWhenDone(
    () => main(args, (name) => (command = name)),
    () => command,
  );
}

/** Runs the CLI; resolves to the process exit code. `onCommand` learns the command's name before it runs. */
export async function main(args: string[], onCommand?: (name: string) => void): Promise<number> {
  if (isVersionRequest(args)) {
    await printVersion({ json: args.includes('--json') });
    return 0;
  }
  // Loaded only past the version fast path: yargs and the command table are most of what start-up costs.
  const [{ default: yargs }, { commands }] = await Promise.all([import('yargs'), import('./commands/index.js')]);
  const parser = yargs(args.map((a) => (a === '-' ? STDIO_SENTINEL : a)))
    .scriptName('ferry')
    .usage('$0 <command> [options]\n\nMove container images, for all their platforms, as archives.')
    .option('root', { type: 'string', global: true, describe: 'store directory (default: $FERRY_ROOT, else $XDG_DATA_HOME/ferry, else ~/.local/share/ferry)' })
    .option('json', { type: 'boolean', global: true, default: false, describe: 'print the result as JSON on stdout; on stderr when stdout carries an archive (- as output), which then carries only the archive' })
    .option('quiet', { alias: 'q', type: 'boolean', global: true, describe: 'no progress on stderr (images ls: only the names)' })
    .middleware(restoreStdioArguments, true)
    .middleware((argv) => onCommand?.(argv._.map(String).join(' ') || 'ferry'))
    .command(commands)
    .example("$0 import --all-platforms samples/multiarch.tar  # every platform in, the host's unpacked", '')
    .example('$0 export --all-platforms out.tar alpine:3.19  # an archive docker load, ctr and skopeo all read', '')
    .example('$0 platforms explain linux/arm/v8 --against out.tar  # which manifest a platform gets, and why', '')
    .demandCommand(1, 'name a command')
    .strict()
    .recommendCommands()
    .help()
    .alias('h', 'help')
    .version(false)
    .wrap(Math.min(110, process.stdout.columns || 110))
    .exitProcess(false)
    .fail((message, err) => {
      throw err ?? Object.assign(new Error(message), { name: 'YError', command: enteredCommand() });
    });
  try {
    await parser.parseAsync();
    return process.exitCode === undefined ? 0 : Number(process.exitCode);
  } catch (err) {
    return reportError(err);
  }
}

/**
 * `ferry --version` and `ferry version` answer before yargs and the command table load: the cheapest command
 * shows what start-up costs, and scripts call it often.
 */
function isVersionRequest(args: string[]): boolean {
  const rest = args.filter((a) => a !== '--json');
  return rest.length === 1 && (rest[0] === '--version' || rest[0] === 'version');
}

/**
 * `-` (stdin/stdout) as a positional argument reaches yargs' handlers as `''` or `true`; it is passed through
 * as a sentinel that no path can be, and put back before any handler runs.
 */
const STDIO_SENTINEL = '\u0000stdio';

function restoreStdioArguments(argv: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(argv)) {
    if (value === STDIO_SENTINEL) argv[key] = '-';
    else if (Array.isArray(value)) argv[key] = value.map((v) => (v === STDIO_SENTINEL ? '-' : v));
  }
}
