// The merge of per-architecture CI archives, read by peer tools: containerd's `ctr images import --all-platforms`
// (Debian package `containerd`; needs root) and skopeo (Debian package `skopeo`) must accept the merged archive as
// one multi-platform image, with every input manifest's digest intact. Skipped when the tools are missing.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { AMD64, ARM64, mergeTo, perArchArchive } from '../cli/airgap-fixtures.js';
import { CONTAINERD_NEED, startContainerd, type Containerd } from './harness/containerd.js';
import { describeInterop } from './harness/requirements.js';
import { run } from './harness/tools.js';

const NAME = 'docker.io/library/merged:1';

let dir: string;
let merged: string;
let indexDigest: string;
let manifests: string[];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ferry-airgap-merge-'));
  const amd = await perArchArchive(dir, NAME, AMD64, { seed: 'merge' });
  const arm = await perArchArchive(dir, NAME, ARM64, { seed: 'merge' });
  merged = join(dir, 'merged.tar');
  const result = await mergeTo(merged, [amd.path, arm.path]);
  indexDigest = result.images[0]!.digest;
  manifests = [amd, arm].map((a) => a.image.manifests[0]!.desc.digest);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describeInterop('ctr imports a merged archive', [CONTAINERD_NEED], () => {
  let containerd: Containerd;
  beforeAll(async () => {
    containerd = await startContainerd();
  });
  afterAll(async () => {
    await containerd?.stop();
  });

  it('as one image with the merged index and both platforms\' manifests', () => {
    containerd.ctr(['images', 'import', '--all-platforms', '--no-unpack', merged]);
    const listing = containerd.ctr(['images', 'ls']);
    expect(listing).toContain(NAME);
    expect(listing).toContain(indexDigest);
    expect(listing).toMatch(/linux\/amd64,linux\/arm64/);
    const content = containerd.ctr(['content', 'ls', '-q']).split('\n');
    for (const m of manifests) expect(content).toContain(m);
  });
});

describeInterop('skopeo reads a merged archive', [{ debianPackage: 'skopeo', tools: ['skopeo'] }], () => {
  const skopeo = (...args: string[]) => run('skopeo', ['--insecure-policy', ...args]);

  it('inspects the index by its tag and copies every platform with --all', () => {
    const raw = JSON.parse(skopeo('inspect', '--raw', `oci-archive:${merged}:1`)) as { manifests: { digest: string }[] };
    expect(raw.manifests.map((m) => m.digest)).toEqual(manifests);
    const out = join(dir, 'copied');
    skopeo('copy', '--all', '--preserve-digests', `oci-archive:${merged}:1`, `oci:${out}:1`);
    const blobs = readdirSync(join(out, 'blobs', 'sha256'));
    for (const m of manifests) expect(blobs).toContain(m.slice(7));
    expect(blobs).toContain(indexDigest.slice(7));
  });
});
