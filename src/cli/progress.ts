import type { Descriptor } from '../oci/descriptor.js';

export interface ProgressReporter {
  /** `written`: bytes of this blob so far. */
  update(written: number, desc: Descriptor): void;
  done(): void;
}

/**
 * A one-line progress display on stderr, only when stderr is a terminal (never mixed into piped output or
 * JSON). Redrawn at most ten times a second.
 */
export function progressReporter(label: string, stream: NodeJS.WriteStream = process.stderr): ProgressReporter {
  if (!stream.isTTY || process.env.CI) return { update: () => undefined, done: () => undefined };
  const perBlob = new Map<string, number>();
  let total = 0;
  let last = 0;
  let drawn = false;
  return {
    update(written: number, desc: Descriptor) {
      total += written - (perBlob.get(desc.digest) ?? 0);
      perBlob.set(desc.digest, written);
      const now = Date.now();
      if (now - last < 100) return;
      last = now;
      drawn = true;
      stream.write(`\r\x1b[K${label}: ${perBlob.size} blobs, ${(total / 1048576).toFixed(1)} MiB`);
    },
    done() {
      if (drawn) stream.write('\r\x1b[K');
    },
  };
}

/** Progress of reading one archive: bytes so far, and a percentage when its size is known. */
export function readingReporter(label: string, stream: NodeJS.WriteStream = process.stderr): { update(read: number, total?: number): void; done(): void } {
  if (!stream.isTTY || process.env.CI) return { update: () => undefined, done: () => undefined };
  let last = 0;
  let drawn = false;
  return {
    update(read: number, total?: number) {
      const now = Date.now();
      if (now - last < 100) return;
      last = now;
      drawn = true;
      const percent = total ? ` (${Math.floor((read / total) * 100)}%)` : '';
      stream.write(`\r\x1b[K${label}: ${(read / 1048576).toFixed(1)} MiB${percent}`);
    },
    done() {
      if (drawn) stream.write('\r\x1b[K');
    },
  };
}
