import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ociLayoutTar } from '../helpers/archive-fixtures.js';
import { runFerry } from '../helpers/cli.js';
import { buildImage, FOUR_PLATFORMS, type BuiltImage } from '../helpers/image-builder.js';

let dir: string;
let archive: string;
let image: BuiltImage;
const NAME = 'docker.io/library/pictures:1';
const KiB = 1024;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ferry-pictures-'));
  image = await buildImage({ platforms: FOUR_PLATFORMS, compression: 'none', padding: 300 * KiB });
  archive = join(dir, 'four.tar');
  writeFileSync(archive, await ociLayoutTar({ images: [{ image, containerdName: NAME }] }));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The layer every platform of the built image has in common. */
function sharedLayer(): string {
  const [first, ...rest] = image.manifests.map((m) => m.layers.map((l) => l.desc.digest));
  return first!.find((d) => rest.every((layers) => layers.includes(d)))!;
}

describe('ferry inspect pictures', () => {
  it('prints the tree with human sizes, then a per-platform size summary with what is shared', async () => {
    const result = await runFerry(['inspect', archive]);
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.split('\n');
    const own = image.manifests[0]!.layers.find((l) => l.desc.digest !== sharedLayer())!;
    expect(result.stdout).toContain(`layer ${own.desc.digest.slice(0, 19)} ${(own.desc.size / KiB).toFixed(1)} KiB`);
    const header = lines.findIndex((l) => /^ {2}PLATFORM +LAYERS +SIZE +SHARED +OWN$/.test(l));
    expect(header).toBeGreaterThan(0);
    const rows = lines.slice(header + 1, header + 1 + FOUR_PLATFORMS.length);
    const shared = image.manifests[0]!.layers.find((l) => l.desc.digest === sharedLayer())!.desc.size;
    for (const [i, row] of rows.entries()) {
      const m = image.manifests[i]!;
      const size = m.desc.size + m.config.desc.size + m.layers.reduce((s, l) => s + l.desc.size, 0);
      const cells = row.trim().split(/ {2,}/);
      expect(cells).toEqual([expect.stringMatching(/^linux\//), String(m.layers.length), `${(size / KiB).toFixed(1)} KiB`, shared < KiB ? `${shared} B` : `${(shared / KiB).toFixed(1)} KiB`, expect.stringMatching(/KiB$/)]);
    }
    const all = lines[header + 1 + FOUR_PLATFORMS.length]!.trim().split(/ {2,}/);
    const uniqueLayers = new Set(image.manifests.flatMap((m) => m.layers.map((l) => l.desc.digest)));
    expect(all.slice(0, 2)).toEqual(['all, each blob once', String(uniqueLayers.size)]);
  });

  it('--format dot draws one node per blob, so a shared layer has an arrow from every platform', async () => {
    const result = await runFerry(['inspect', '--format', 'dot', archive]);
    expect(result.code, result.stderr).toBe(0);
    const dot = result.stdout;
    expect(dot).toMatch(/^digraph ferry \{\n[\s\S]*\}\n$/);
    const nodes = dot.split('\n').filter((l) => /^ {2}"sha256:[0-9a-f]{64}" \[label=/.test(l));
    const digests = new Set([image.index.desc.digest, ...image.manifests.flatMap((m) => [m.desc.digest, m.config.desc.digest, ...m.layers.map((l) => l.desc.digest)])]);
    expect(nodes).toHaveLength(digests.size);
    const into = (d: string) => dot.split('\n').filter((l) => l.endsWith(`-> "${d}";`)).length;
    expect(into(sharedLayer())).toBe(FOUR_PLATFORMS.length);
    for (const m of image.manifests) expect(into(m.desc.digest)).toBe(1);
    expect(dot).toContain('label="linux/arm64');
  });
});
