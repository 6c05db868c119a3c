import yargs, { type Argv } from 'yargs';
import { describe, expect, it } from 'vitest';
import { commands } from '../../src/cli/commands/index.js';
import { runFerry } from '../helpers/cli.js';
import { useTempStore } from '../helpers/temp-dir.js';

/** Every command and subcommand module with a builder, as yargs would build it. */
function builtCommands(): { name: string; argv: Argv }[] {
  const out: { name: string; argv: Argv }[] = [];
  for (const c of commands) {
    const argv = yargs([]);
    const nested: string[] = [];
    // Subcommands register through .command(); record them instead of letting yargs run them.
    const withCommand = Object.assign(argv, {
      command: (sub: { command: string; builder?: (y: Argv) => Argv }) => {
        if (sub.builder) {
          const inner = yargs([]);
          sub.builder(inner);
          out.push({ name: `${String(c.command)} ${sub.command}`, argv: inner });
        }
        nested.push(sub.command);
        return argv;
      },
    });
    if (typeof c.builder === 'function') c.builder(withCommand as never);
    out.push({ name: String(c.command), argv });
  }
  return out;
}

describe('options before positionals', () => {
  const tmp = useTempStore('ferry-options-');

  it('no option of any command is a yargs array, which would swallow the positionals after it', () => {
    const swallowing = builtCommands().flatMap(({ name, argv }) => {
      const positionals = new Set([...name.matchAll(/[<[]([\w-]+)(?:\.\.)?[>\]]/g)].map((m) => m[1]));
      // getOptions() is yargs' record of how each key was declared; its typings leave it out.
      const declared = (argv as unknown as { getOptions(): { array: string[] } }).getOptions();
      return declared.array.filter((key) => !positionals.has(key)).map((key) => `${name}: --${key}`);
    });
    expect(swallowing).toEqual([]);
  });

  // The example in push's own help. Each reaches the operation (and fails there on what it names), not the parser.
  it.each([
    ['push', ['push', '--platform', 'linux/arm64', '--platform', 'linux/amd64', 'no-such-image:1', '127.0.0.1:9/x:1'], 'no-such-image:1'],
    ['copy', ['copy', '--platform', 'linux/arm64', 'store:no-such-image:1', 'store:other:1'], 'no-such-image:1'],
    ['pull', ['pull', '--platform', 'linux/arm64', '127.0.0.1:9/x:1'], '127.0.0.1:9'],
  ])('%s takes --platform before its positionals', async (_name, args, named) => {
    const result = await runFerry(['--root', tmp.dir, ...args]);
    expect(result.stderr).not.toMatch(/non-option arguments|ERR_USAGE/);
    expect(result.stderr).toContain(named);
  });
});
