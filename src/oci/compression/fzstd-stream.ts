import type { Duplex } from 'node:stream';
import { Decompress as PureJsZstd } from 'fzstd';
import { corrupt } from './errors.js';
import { type StepDecoder, steppedDecoderStream } from './stepped-decoder.js';

/** Input is fed to fzstd in slices this small, so one slice's output is at most 512 × 32 KiB = 16 MiB. */
const ZSTD_SLICE = 512;
/** A step feeds slices until it has this much output, so the stream does not yield kilobyte-sized chunks. */
const STEP_OUTPUT = 128 * 1024;

/** The pure-JS decoder (≈ 200 MB/s): works on every Node, used when no native zstd is there. */
export function createPureJsZstdStream(where: string): Duplex {
  let produced: Buffer[] = [];
  let producedBytes = 0;
  let sawInput = false;
  const decoder = new PureJsZstd((data) => {
    produced.push(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
    producedBytes += data.length;
  });
  const takeOutput = () => {
    const output = produced;
    produced = [];
    producedBytes = 0;
    return output;
  };
  const step: StepDecoder = {
    step(input) {
      sawInput = true;
      let consumed = 0;
      while (consumed < input.length && producedBytes < STEP_OUTPUT) {
        decoder.push(input.subarray(consumed, consumed + ZSTD_SLICE));
        consumed = Math.min(input.length, consumed + ZSTD_SLICE);
      }
      return { output: takeOutput(), consumed, more: false };
    },
    finish() {
      // fzstd throws here when the input ended inside a frame.
      if (sawInput) decoder.push(new Uint8Array(0), true);
      return takeOutput();
    },
    failure: (err) => corrupt(where, 'zstd', err),
  };
  return steppedDecoderStream(step);
}
