/**
 * What a layer asked for that ferry could not do, counted per kind and reported once per layer with the
 * first example, so a layer of ten thousand root-owned files gives one line, not ten thousand.
 */
export type WarningKind = 'device' | 'ownership' | 'setid' | 'xattr' | 'unknown-type';

const DESCRIBE: Record<WarningKind, (count: number) => string> = {
  device: (n) => `${n} device node${n === 1 ? '' : 's'} or fifo${n === 1 ? '' : 's'} skipped (Node cannot create them)`,
  ownership: (n) => `ownership of ${n} entr${n === 1 ? 'y' : 'ies'} not applied (not running as root)`,
  setid: (n) => `setuid/setgid bits of ${n} entr${n === 1 ? 'y' : 'ies'} dropped (not running as root)`,
  xattr: (n) => `${n} extended attribute${n === 1 ? '' : 's'} not applied (Node has no xattr API)`,
  'unknown-type': (n) => `${n} entr${n === 1 ? 'y' : 'ies'} of an unsupported tar type skipped`,
};

export class LayerWarnings {
  private readonly seen = new Map<WarningKind, { count: number; first: string }>();

  constructor(private readonly where: string) {}

  add(kind: WarningKind, entry: string, count = 1): void {
    const current = this.seen.get(kind);
    if (current) current.count += count;
    else this.seen.set(kind, { count, first: entry });
  }

  /** One message per kind, in a fixed order. */
  messages(): string[] {
    return (Object.keys(DESCRIBE) as WarningKind[]).flatMap((kind) => {
      const seen = this.seen.get(kind);
      return seen ? [`layer ${this.where}: ${DESCRIBE[kind](seen.count)}, first: ${JSON.stringify(seen.first)}`] : [];
    });
  }
}
