import { Duplex } from 'node:stream';

/**
 * A decoder driven one bounded step at a time. Decoders of this kind turn a little input into a lot of output
 * (one zstd byte can stand for 32 KiB), so each step must produce a bounded amount.
 */
export interface StepDecoder {
  /**
   * Decodes from the start of `input`: returns what it produced, how many bytes it used, and `more` when output
   * is still pending inside the decoder (call again, even with no input left).
   */
  step(input: Buffer): { output: Buffer[]; consumed: number; more: boolean };
  /** The end of the input: returns the last output, or throws when the input ended inside a frame. */
  finish(): Buffer[];
  /** Turns a decoder exception into the error the stream fails with. */
  failure(err: unknown): Error;
}

/**
 * A stream that feeds `decoder` and yields its output, written as an async generator so that Node's own
 * `Duplex.from` keeps the stream contract for any consumer speed and chunking: the generator stops at every
 * `yield` until the reader wants more, so no step runs while output is waiting. Readable.from's high-water mark
 * of one chunk keeps memory near one step's output however well the input compresses (a "zstd bomb" cannot fill
 * memory). Empty chunks are dropped: some decoders misread them as the start of a new frame.
 */
export function steppedDecoderStream(decoder: StepDecoder): Duplex {
  return Duplex.from(async function* decode(source: AsyncIterable<Buffer>) {
    for await (const chunk of source) {
      let rest = chunk;
      let more = false;
      while (rest.length > 0 || more) {
        const result = run(decoder, () => decoder.step(rest));
        // A step that neither reads nor writes while asked to would repeat forever: fail instead of hanging.
        const stalled = result.consumed === 0 && result.output.every((o) => o.length === 0) && (result.more || rest.length > 0);
        if (stalled) throw decoder.failure(new Error('the decoder stopped making progress'));
        rest = rest.subarray(result.consumed);
        more = result.more;
        for (const output of result.output) if (output.length > 0) yield output;
      }
    }
    for (const output of run(decoder, () => decoder.finish())) if (output.length > 0) yield output;
  });
}

function run<T>(decoder: StepDecoder, work: () => T): T {
  try {
    return work();
  } catch (err) {
    throw decoder.failure(err);
  }
}
