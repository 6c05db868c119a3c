import type { Argv, CommandModule } from 'yargs';

/**
 * The command words yargs has entered (`images`, then `tag`), recorded as each matched command's builder runs,
 * so that a usage error can point to that command's own help rather than to `ferry --help`.
 */
const entered: string[] = [];

export function enteredCommand(): string[] {
  return [...entered];
}

/** The same command, recording its name when yargs picks it (only the matched command's builder runs). */
export function tracked<T, U>(cmd: CommandModule<T, U>): CommandModule<T, U> {
  const name = [cmd.command ?? ''].flat()[0]!.split(' ')[0]!;
  const { builder } = cmd;
  return {
    ...cmd,
    builder: (y: Argv<T>) => {
      if (name !== '$0' && name !== '') entered.push(name);
      if (typeof builder === 'function') return builder(y) as Argv<U>;
      return (builder ? y.options(builder) : y) as unknown as Argv<U>;
    },
  };
}
