/**
 * Untrusted strings (entry names, media types, platforms, annotations such as foreign-layer URLs or artifact
 * titles) must not forge a second `ferry:` line nor reach the terminal as a control sequence: every text line and
 * the error line are escaped, while --json keeps the exact strings.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { escapeText } from '../../src/cli/escape-text.js';
import { MediaType } from '../../src/oci/mediatypes.js';
import { runFerry } from '../helpers/cli.js';
import { tarBytes } from '../helpers/tar.js';
import { blob, imageOf, layoutTar } from './hostile-corpus.js';

const FORGED = '\nferry: forged second line (ERR_NONE)\x1b]0;pwned\x07\x1b[2J\r\u009b31m\u2028';
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029]/;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ferry-escape-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** An archive whose one layer has a hostile media type and a hostile foreign-layer URL and title. */
async function hostileTextArchive(): Promise<string> {
  const tar = await tarBytes([{ name: 'a', data: 'a' }]);
  const { blobs, manifest, indexJson } = imageOf([{ tar }]);
  const doc = JSON.parse(manifest.bytes.toString());
  doc.layers[0].mediaType = `${MediaType.ociLayerGzip}${FORGED}`;
  doc.layers[0].annotations = { 'org.opencontainers.image.title': `title${FORGED}`, url: `https://example.com/${FORGED}` };
  const evil = blob(MediaType.ociManifest, JSON.stringify(doc));
  const index = JSON.parse(indexJson.toString());
  index.manifests[0] = { ...index.manifests[0], digest: evil.desc.digest, size: evil.desc.size };
  const file = join(dir, `hostile-${Math.random().toString(36).slice(2)}.tar`);
  await writeFile(file, await layoutTar(JSON.stringify(index), [...blobs.filter((b) => b !== manifest), evil]));
  return file;
}

describe('escapeText', () => {
  it('shows every control character as a visible escape and leaves printable text alone', () => {
    expect(escapeText('a\nb\tc\rd\x1b[31m\x07\x00\x7f\u009b\u2028é中')).toBe('a\\nb\\tc\\rd\\x1b[31m\\x07\\x00\\x7f\\x9b\\u2028é中');
    expect(escapeText('plain linux/arm64 sha256:abc')).toBe('plain linux/arm64 sha256:abc');
  });
});

describe('untrusted text in output', () => {
  it('inspect text output: a newline or escape in a media type or annotation forges no line and reaches no terminal', async () => {
    const file = await hostileTextArchive();
    const text = await runFerry(['--root', join(dir, 'store'), 'inspect', file]);
    expect(text.code, text.stderr).toBe(0);
    const lines = text.stdout.split('\n');
    for (const line of lines) expect(line).not.toMatch(CONTROL);
    expect(lines.filter((l) => l.startsWith('ferry:'))).toEqual([]);
    expect(text.stdout).toContain('\\nferry: forged second line (ERR_NONE)\\x1b]0;pwned\\x07\\x1b[2J\\r\\x9b31m\\u2028');
  });

  it('inspect --json output keeps the exact untrusted strings', async () => {
    const file = await hostileTextArchive();
    const json = await runFerry(['--root', join(dir, 'store'), 'inspect', file, '--json']);
    expect(json.code, json.stderr).toBe(0);
    const layer = JSON.parse(json.stdout).images[0].manifests[0].layers[0];
    expect(layer.mediaType).toBe(`${MediaType.ociLayerGzip}${FORGED}`);
    expect(layer.annotations['org.opencontainers.image.title']).toBe(`title${FORGED}`);
  });

  it('error line: a hostile image name in a refused import gives exactly one escaped ferry: line', async () => {
    const { blobs, indexJson } = imageOf([{ tar: await tarBytes([{ name: 'a', data: 'a' }]) }]);
    const index = JSON.parse(indexJson.toString());
    index.manifests[0].annotations['io.containerd.image.name'] = `example.com/x${FORGED}`;
    const file = join(dir, 'hostile-name.tar');
    await writeFile(file, await layoutTar(JSON.stringify(index), blobs));
    const result = await runFerry(['--root', join(dir, 'store'), 'import', file]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^ferry: [^\n]+ \(ERR_[A-Z_]+\)\n$/);
    expect(result.stderr.slice(0, -1)).not.toMatch(CONTROL);
  });

  it('usage errors quoting arguments are escaped too', async () => {
    const result = await runFerry(['--root', join(dir, 'store'), `no-such-command${FORGED}`]);
    expect(result.code).toBe(2);
    expect(result.stderr.split('\n').filter((l) => l.startsWith('ferry:'))).toHaveLength(1);
    expect(result.stderr.slice(0, -1)).not.toMatch(CONTROL);
  });
});
