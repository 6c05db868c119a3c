import type { Argv } from 'yargs';
import type { CopyOptions, CopyResult } from '../../ops/copy.js';
import { shortDigest } from '../../oci/digest.js';
import { toList } from '../arguments.js';
import { FerryError } from '../../errors.js';
import { humanBytes } from '../human-bytes.js';
import type { GlobalOptions } from '../output.js';

/** Options pull, push and copy share. */
export interface TransferArgs extends GlobalOptions {
  allPlatforms?: boolean;
  platform?: string[];
  creds?: string;
  credsFile?: string;
  insecure?: boolean;
  jobs: number;
}

export function transferOptions<T>(y: Argv<T>): Argv<T> {
  return y
    .option('all-platforms', { type: 'boolean', describe: 'every platform of the image' })
    .option('platform', { type: 'string', coerce: toList, describe: 'only this platform (repeatable), e.g. linux/arm64' })
    .option('creds', { type: 'string', describe: 'registry credentials USER:PASSWORD (visible in ps: prefer --creds-file)' })
    .option('creds-file', {
      type: 'string',
      describe: 'file holding USER:PASSWORD, or - for stdin (default: ~/.docker/config.json: credHelpers, credsStore, auths)',
    })
    .conflicts('creds', 'creds-file')
    .option('insecure', { type: 'boolean', describe: 'talk plain HTTP to the registry (always so for localhost and 127.0.0.1)' })
    .option('jobs', { type: 'number', default: 4, describe: 'blobs transferred at once' }) as unknown as Argv<T>;
}

/** stdin is read once: it can carry the archive or the credentials, not both. `inputs`: the command's source arguments. */
export function copyOptions(argv: TransferArgs, onProgress: CopyOptions['onProgress'], inputs: string[] = []): CopyOptions {
  if (argv.credsFile === '-' && inputs.includes('-')) {
    throw new FerryError('ERR_USAGE', 'stdin cannot carry both the archive and --creds-file -', { hint: 'put the credentials in a file (--creds-file FILE), or name the archive file' });
  }
  return {
    ...(argv.allPlatforms ? { allPlatforms: true } : {}),
    ...(argv.platform ? { platform: argv.platform } : {}),
    access: { ...(argv.creds ? { creds: argv.creds } : {}), ...(argv.credsFile ? { credsFile: argv.credsFile } : {}), ...(argv.insecure ? { insecure: true } : {}) },
    jobs: Math.max(1, Math.floor(argv.jobs)),
    ...(onProgress ? { onProgress } : {}),
  };
}

/** The text summary of a pull, push or copy. */
export function copyText(verb: string, result: CopyResult): string[] {
  const rewritten = result.originalDigest ? ` (index rewritten to the platforms copied; was ${shortDigest(result.originalDigest)})` : '';
  const converted = result.convertedFrom ? ` (converted from Docker schema 1 ${shortDigest(result.convertedFrom)})` : '';
  const lines = [`${verb} ${result.name} ${shortDigest(result.digest)}${rewritten}${converted}: ${result.platforms.join(', ') || 'none'}`];
  const r = result.registry;
  if (r) {
    // Every blob and manifest is counted once, in exactly one of the four, so the parts add up to the whole.
    const total = r.uploaded + r.mounted + r.exists + r.manifests;
    lines.push(
      `  ${result.source} → ${result.destination}: ${total} blobs and manifests: ${r.uploaded} uploaded, ${r.mounted} mounted, ` +
        `${r.exists} already there, ${r.manifests} manifests written; ${humanBytes(result.bytes)} sent`,
    );
  } else {
    lines.push(`  ${result.source} → ${result.destination}: ${result.blobs} blobs, ${humanBytes(result.bytes)}`);
  }
  if (result.incomplete.length > 0) lines.push(`  incomplete in the source, left out: ${result.incomplete.join(', ')}`);
  return lines;
}
