import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { FerryError } from '../errors.js';

export type DigestAlgorithm = 'sha256' | 'sha512';

const HEX_LENGTH: Record<DigestAlgorithm, number> = { sha256: 64, sha512: 128 };

export interface ParsedDigest {
  algorithm: DigestAlgorithm;
  hex: string;
}

/**
 * Parses `alg:hex`. Only sha256 and sha512 with lower-case hex of the exact length are accepted, so a digest can
 * always be used as a file name (`blobs/<alg>/<hex>`) without any chance of a path escape.
 */
export function parseDigest(digest: string, where?: string): ParsedDigest {
  const colon = digest.indexOf(':');
  const algorithm = digest.slice(0, colon);
  const hex = digest.slice(colon + 1);
  if (colon > 0 && (algorithm === 'sha256' || algorithm === 'sha512')) {
    if (hex.length === HEX_LENGTH[algorithm] && /^[0-9a-f]+$/.test(hex)) return { algorithm, hex };
  }
  throw new FerryError('ERR_INVALID_DIGEST', `invalid digest ${JSON.stringify(digest.slice(0, 160))}${where ? ` in ${where}` : ''}`, {
    ...(where === undefined ? {} : { path: where }),
    hint: 'a digest is sha256:<64 hex> or sha512:<128 hex>; the archive or manifest is corrupt or hostile',
  });
}

export function isDigest(value: string): boolean {
  try {
    parseDigest(value);
    return true;
  } catch {
    return false;
  }
}

export function digestOf(bytes: Uint8Array | string, algorithm: DigestAlgorithm = 'sha256'): string {
  return `${algorithm}:${createHash(algorithm).update(bytes).digest('hex')}`;
}

/** Short form for messages: `sha256:0123456789ab`. */
export function shortDigest(digest: string): string {
  return digest.slice(0, digest.indexOf(':') + 13);
}

export interface Expected {
  digest: string;
  size: number;
}

/** Checks bytes already in memory against a descriptor. */
export function verifyBytes(bytes: Uint8Array, expected: Expected, where?: string): void {
  const { algorithm } = parseDigest(expected.digest, where);
  if (bytes.length !== expected.size) throw sizeMismatch(expected, bytes.length, where);
  const actual = digestOf(bytes, algorithm);
  if (actual !== expected.digest) throw digestMismatch(expected.digest, actual, where);
}

/**
 * A pass-through stream that hashes and counts what flows through it and fails the stream when the content does
 * not match: too many bytes fail at once (a hostile blob cannot stream forever), a wrong digest or short content
 * fails at the end.
 */
export class VerifyingStream extends Transform {
  private readonly hash: Hash;
  private received = 0;

  constructor(private readonly expected: Expected, private readonly where?: string) {
    super();
    this.hash = createHash(parseDigest(expected.digest, where).algorithm);
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.received += chunk.length;
    if (this.received > this.expected.size) return done(sizeMismatch(this.expected, this.received, this.where, 'more than'));
    this.hash.update(chunk);
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    if (this.received !== this.expected.size) return done(sizeMismatch(this.expected, this.received, this.where));
    const actual = `${this.expected.digest.slice(0, this.expected.digest.indexOf(':'))}:${this.hash.digest('hex')}`;
    if (actual !== this.expected.digest) return done(digestMismatch(this.expected.digest, actual, this.where));
    done();
  }
}

/** A pass-through stream that computes the digest and size of whatever flows through it. */
export class DigestingStream extends Transform {
  private readonly hash: Hash;
  private count = 0;
  private result?: Expected;

  constructor(private readonly algorithm: DigestAlgorithm = 'sha256') {
    super();
    this.hash = createHash(algorithm);
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.count += chunk.length;
    this.hash.update(chunk);
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    this.result = { digest: `${this.algorithm}:${this.hash.digest('hex')}`, size: this.count };
    done();
  }

  /** Digest and size; only valid once the stream has ended. */
  get digest(): Expected {
    if (!this.result) throw new Error('DigestingStream: digest read before the stream ended');
    return this.result;
  }
}

function digestMismatch(expected: string, actual: string, where?: string): FerryError {
  return new FerryError('ERR_DIGEST_MISMATCH', `content of ${where ?? expected} has digest ${actual}, expected ${expected}`, {
    digest: expected,
    ...(where === undefined ? {} : { path: where }),
    hint: 'the source is corrupt or was tampered with; fetch or export it again',
  });
}

function sizeMismatch(expected: Expected, actual: number, where?: string, qualifier = ''): FerryError {
  return new FerryError(
    'ERR_SIZE_MISMATCH',
    `content of ${where ?? expected.digest} is ${qualifier ? `${qualifier} ` : ''}${actual} bytes, expected ${expected.size}`,
    {
      digest: expected.digest,
      ...(where === undefined ? {} : { path: where }),
      hint: 'the source is truncated or corrupt; fetch or export it again',
    },
  );
}
