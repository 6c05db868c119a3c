import type { Descriptor } from '../oci/descriptor.js';

export interface ProgressReporter {
  /** `written`: bytes of this blob so far. */
  update(written: number, desc: Descriptor): void;
  done(): void;
}

/** Progress of blobs being written: how many, and the bytes so far. */
export function progressReporter(label: string, stream: NodeJS.WriteStream = process.stderr): ProgressReporter {
  const line = statusLine(stream);
  const perBlob = new Map<string, number>();
  let total = 0;
  return {
    update(written: number, desc: Descriptor) {
      total += written - (perBlob.get(desc.digest) ?? 0);
      perBlob.set(desc.digest, written);
      line.draw(() => `${label}: ${perBlob.size} blobs, ${mebibytes(total)} MiB`);
    },
    done: line.done,
  };
}

/** Progress of reading one archive: bytes so far, and a percentage when its size is known. */
export function readingReporter(label: string, stream: NodeJS.WriteStream = process.stderr): { update(read: number, total?: number): void; done(): void } {
  const line = statusLine(stream);
  return {
    update(read: number, total?: number) {
      line.draw(() => `${label}: ${mebibytes(read)} MiB${total ? ` (${Math.floor((read / total) * 100)}%)` : ''}`);
    },
    done: line.done,
  };
}

/**
 * One line on stderr, redrawn at most ten times a second, only when stderr is a terminal (never mixed into
 * piped output or JSON) and not in CI; `done` clears it.
 */
function statusLine(stream: NodeJS.WriteStream): { draw(text: () => string): void; done(): void } {
  if (!stream.isTTY || process.env.CI) return { draw: () => undefined, done: () => undefined };
  let last = 0;
  let drawn = false;
  return {
    draw(text: () => string) {
      const now = Date.now();
      if (now - last < 100) return;
      last = now;
      drawn = true;
      stream.write(`\r\x1b[K${text()}`);
    },
    done() {
      if (drawn) stream.write('\r\x1b[K');
    },
  };
}

function mebibytes(bytes: number): string {
  return (bytes / 1048576).toFixed(1);
}
