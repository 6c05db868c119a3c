import { createPublicKey, type JsonWebKey, verify } from 'node:crypto';
import { FerryError } from '../../errors.js';

/** What the signatures of a schema1 manifest say about it. */
export interface Schema1Signature {
  status: 'valid' | 'invalid' | 'unsigned';
  /** Per signature: algorithm, key id when the key names one, and why it failed. */
  signatures: { alg: string; kid?: string; valid: boolean; reason?: string }[];
}

interface JwsSignature {
  header?: { jwk?: JsonWebKey & { kid?: string }; alg?: string };
  signature?: string;
  protected?: string;
}

/** JWS algorithms libtrust signed with, as node:crypto verifies them (ECDSA signatures are raw r‖s). */
const ALGORITHMS: Record<string, { hash: string; ecdsa: boolean }> = {
  ES256: { hash: 'sha256', ecdsa: true },
  ES384: { hash: 'sha384', ecdsa: true },
  ES512: { hash: 'sha512', ecdsa: true },
  RS256: { hash: 'sha256', ecdsa: false },
  RS384: { hash: 'sha384', ecdsa: false },
  RS512: { hash: 'sha512', ecdsa: false },
};

/**
 * Splits a schema1 manifest into its payload (what was signed, and what registries digest) and the verdict on
 * its signatures. libtrust's "pretty JWS" embeds the signatures in the JSON: the protected header's
 * `formatLength` says how many leading bytes are payload and `formatTail` (base64url) the bytes that close it.
 */
export function stripJws(bytes: Buffer, where: string): { payload: Buffer; signature: Schema1Signature } {
  const parsed = JSON.parse(bytes.toString('utf8')) as { signatures?: JwsSignature[] };
  const signatures = parsed.signatures ?? [];
  if (signatures.length === 0) return { payload: bytes, signature: { status: 'unsigned', signatures: [] } };
  const first = signatures[0]!;
  const header = decodeProtected(first.protected, where);
  if (!Number.isInteger(header.formatLength) || header.formatLength < 0 || header.formatLength > bytes.length || typeof header.formatTail !== 'string') {
    throw invalid(where, 'its signature header has no valid formatLength/formatTail');
  }
  const payload = Buffer.concat([bytes.subarray(0, header.formatLength), base64url(header.formatTail, where)]);
  const results = signatures.map((sig) => verifyOne(sig, payload));
  return { payload, signature: { status: results.every((r) => r.valid) ? 'valid' : 'invalid', signatures: results } };
}

function verifyOne(sig: JwsSignature, payload: Buffer): Schema1Signature['signatures'][number] {
  const alg = sig.header?.alg ?? 'none';
  const jwk = sig.header?.jwk;
  const result = { alg, ...(jwk?.kid ? { kid: jwk.kid } : {}) };
  const algorithm = ALGORITHMS[alg];
  if (!algorithm) return { ...result, valid: false, reason: `unsupported algorithm ${alg}` };
  if (!jwk || typeof sig.protected !== 'string' || typeof sig.signature !== 'string') {
    return { ...result, valid: false, reason: 'no embedded public key (x5c chains are not checked)' };
  }
  try {
    const { kid: _kid, ...key } = jwk;
    const publicKey = createPublicKey({ key, format: 'jwk' });
    const input = Buffer.from(`${sig.protected}.${payload.toString('base64url')}`);
    const valid = verify(algorithm.hash, input, algorithm.ecdsa ? { key: publicKey, dsaEncoding: 'ieee-p1363' } : publicKey, Buffer.from(sig.signature, 'base64url'));
    return valid ? { ...result, valid } : { ...result, valid, reason: 'signature does not match the manifest' };
  } catch (err) {
    return { ...result, valid: false, reason: `unusable key or signature (${(err as Error).message})` };
  }
}

function decodeProtected(value: string | undefined, where: string): { formatLength: number; formatTail: string } {
  if (typeof value !== 'string') throw invalid(where, 'its signature has no protected header');
  try {
    return JSON.parse(base64url(value, where).toString('utf8')) as { formatLength: number; formatTail: string };
  } catch (err) {
    if (err instanceof FerryError) throw err;
    throw invalid(where, 'its protected signature header is not JSON');
  }
}

function base64url(value: string, where: string): Buffer {
  if (!/^[A-Za-z0-9_-]*={0,2}$/.test(value)) throw invalid(where, 'its signature header is not base64url');
  return Buffer.from(value, 'base64url');
}

function invalid(where: string, why: string): FerryError {
  return new FerryError('ERR_INVALID_DOCUMENT', `${where}: ${why}`, { path: where, hint: 'the schema1 manifest is corrupt; fetch it again' });
}
