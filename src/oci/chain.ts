import type { Duplex, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/**
 * `source` read through `stages`, as one Readable to hand on. The stages run under `pipeline`, which destroys
 * every stream with the first error or premature end, so whoever reads the result sees that failure instead of
 * a short, clean end (what a bare stream pipe gives when the source fails).
 */
export function chain(source: NodeJS.ReadableStream | Readable, ...stages: [...Duplex[], Duplex]): Readable {
  pipeline([source, ...stages]).catch(() => {
    // Reported through the last stage, which pipeline destroyed with the same error.
  });
  return stages.at(-1)!;
}
