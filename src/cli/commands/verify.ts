import type { Argv, CommandModule } from 'yargs';
import { shortDigest } from '../../oci/digest.js';
import type { VerifyResult } from '../../ops/verify-archive.js';
import { emit, type GlobalOptions } from '../output.js';
import { imageTreeText } from './image-tree-text.js';

interface VerifyArgs extends GlobalOptions {
  archive: string;
}

/**
 * Exit status: 0 when the archive is intact and complete; 1 when it is partial (the report says what is missing;
 * a delta archive is partial by design) or corrupt (a digest or size mismatch, a layer whose uncompressed content
 * is not the diffID its config claims, a broken tar or document: then a one-line error instead of a report).
 */
export const verifyCommand: CommandModule<GlobalOptions, VerifyArgs> = {
  command: 'verify <archive>',
  describe: "check every blob of an archive (digest and size), every layer's diffID, and that every image and platform is complete; exit 0 only if so",
  builder: (y: Argv<GlobalOptions>) =>
    y
      .positional('archive', { type: 'string', demandOption: true, describe: 'archive file, or - for stdin' })
      .example('$0 verify merged.tar && $0 import --all-platforms merged.tar  # import only what is whole', '') as unknown as Argv<VerifyArgs>,
  handler: async (argv) => {
    const { verifyArchive } = await import('../../ops/verify-archive.js');
    const result = await verifyArchive(argv.archive);
    emit(argv, result, () => verifyText(result));
    if (!result.complete) process.exitCode = 1;
  },
};

function verifyText(result: VerifyResult): string[] {
  const verdict = result.complete ? 'complete' : 'PARTIAL';
  const layers = `${result.diffIDs.checked} layer diffID${result.diffIDs.checked === 1 ? '' : 's'} verified`;
  const lines = [`${result.archive} (${result.format}): ${verdict}; ${result.blobs} files, ${result.bytes} bytes, every file's digest verified, ${layers}`];
  for (const image of result.images) lines.push(...imageTreeText(image, false));
  for (const u of result.diffIDs.unchecked) {
    const why = u.state === 'external' ? 'foreign (it lives at its URLs)' : 'not in the archive';
    lines.push(`  ${u.image} ${u.platform}: layer ${shortDigest(u.layer)} is ${why}; its diffID is not checked`);
  }
  for (const path of result.dockerManifestMissing) lines.push(`  manifest.json names ${path}, which is not in the archive`);
  return lines;
}
