/**
 * A repeatable option (`--platform a --platform b`) as a list. Declared as a plain string option so that yargs
 * does not let it swallow the positional arguments that follow it, as `array: true` would.
 */
export function toList(value: string | string[] | undefined): string[] | undefined {
  return value === undefined ? undefined : [value].flat();
}
