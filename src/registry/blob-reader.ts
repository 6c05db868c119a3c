import { Readable, pipeline } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { FerryError } from '../errors.js';
import type { Descriptor } from '../oci/descriptor.js';
import { VerifyingStream } from '../oci/digest.js';

/** Opens the blob from a byte offset (0: the whole blob); resolves to a 200 or 206 response. */
export type OpenAt = (offset: number) => Promise<Response>;

export interface ResumeOptions {
  /** How many dropped connections one blob may survive (default 4). */
  resumes?: number;
  backoff?: (attempt: number) => number;
}

/**
 * A blob as a stream that survives dropped connections: when the body breaks off (or ends short), it asks again
 * with `Range: bytes=<received>-` and carries on; a server that ignores Range and sends the whole blob again has
 * the bytes already delivered skipped. The result is verified against the descriptor as it streams, so nothing
 * unverified reaches the end of it.
 */
export function resumableBlob(desc: Descriptor, open: OpenAt, opts: ResumeOptions = {}): Readable {
  const verify = new VerifyingStream(desc);
  pipeline(Readable.from(chunks(desc, open, opts), { objectMode: false }), verify, () => undefined);
  return verify;
}

async function* chunks(desc: Descriptor, open: OpenAt, opts: ResumeOptions): AsyncGenerator<Buffer> {
  const resumes = opts.resumes ?? 4;
  let received = 0;
  let failures = 0;
  for (;;) {
    const res = await open(received);
    let skip = received > 0 ? alreadyDelivered(res, received) : 0;
    try {
      if (!res.body) throw new Error('response without a body');
      for await (const piece of res.body as AsyncIterable<Uint8Array>) {
        let buf = Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
        if (skip > 0) {
          if (buf.length <= skip) {
            skip -= buf.length;
            continue;
          }
          buf = buf.subarray(skip);
          skip = 0;
        }
        received += buf.length;
        yield buf;
      }
      // A clean end before the declared size is a dropped connection too (a proxy may close politely).
      if (received >= desc.size) return;
    } catch (err) {
      if (failures >= resumes) throw dropped(desc, received, err);
    }
    if (failures >= resumes) throw dropped(desc, received);
    failures++;
    await sleep(opts.backoff?.(failures) ?? 200 * failures);
  }
}

/** Bytes of a resumed response to drop: all we had for a plain 200, none for a 206 starting where we stopped. */
function alreadyDelivered(res: Response, received: number): number {
  if (res.status !== 206) return received;
  const start = /bytes\s+(\d+)-/.exec(res.headers.get('content-range') ?? '');
  const from = start ? Number(start[1]) : received;
  if (from > received) {
    throw new FerryError('ERR_REGISTRY', `the registry resumed a blob at byte ${from}, after the ${received} bytes already received`, {
      hint: 'the registry or a proxy mishandles Range requests; try again',
    });
  }
  return received - from;
}

function dropped(desc: Descriptor, received: number, cause?: unknown): FerryError {
  return new FerryError('ERR_TRUNCATED', `blob ${desc.digest} broke off after ${received} of ${desc.size} bytes, and resuming failed`, {
    digest: desc.digest,
    hint: 'the connection to the registry keeps dropping; try again later',
    ...(cause === undefined ? {} : { cause }),
  });
}
