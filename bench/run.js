/**
 * `npm run bench`: builds the benchmark archives once (bench/cache/, see generate.mjs), then measures ferry side by
 * side with its peers, median of BENCH_REPS (default 3) runs each, warm page cache:
 *   import (all platforms, no unpack)  vs skopeo copy --all oci-archive: → oci:, ctr images import, sha256sum
 *   export (all platforms)             vs skopeo copy --all oci: → oci-archive:, ctr images export
 *   unpack of linux/amd64              vs tar -xzf of the same layers, umoci unpack
 *   import + export of the 4× archive  (ferry and sha256sum only): peak RSS must not grow with size
 * then the realistic image (realistic.mjs: many small files; unpack, import, zstd, start-up), and writes
 * bench/results.md (with an SVG chart per realistic operation in bench/charts/), results.json and
 * results-realistic.json. BENCH_SKIP_4X=1 leaves the 4× runs out; `npm run bench -- --only realistic` runs only
 * the realistic part and keeps the rest of results.md from results.json.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { containerdAvailable, startContainerd } from './containerd.mjs';
import { ensureArchives } from './generate.mjs';
import { freeBytes, machine, rssSource, Samples, timed } from './measure.mjs';
import { renderRealistic, runRealistic } from './realistic.mjs';
import { renderMarkdown, summarize } from './report.mjs';

const benchDir = dirname(fileURLToPath(import.meta.url));
const ferryBin = join(benchDir, '..', 'bin', 'ferry');
const cacheDir = join(benchDir, 'cache');
const chartsDir = join(benchDir, 'charts');
const runDir = join(cacheDir, 'run');
const reps = Math.max(1, Number(process.env.BENCH_REPS ?? 3));
const log = (message) => process.stderr.write(`[bench] ${message}\n`);

const onlyRealistic = optionValue('--only') === 'realistic';
const started = performance.now();
const loadBefore = machine();
const archives = onlyRealistic ? undefined : await ensureArchives(cacheDir, log);
const tools = {
  skopeo: onPath('skopeo'),
  ctr: containerdAvailable(),
  umoci: onPath('umoci'),
  tar: onPath('tar'),
  sha256sum: onPath('sha256sum'),
  zstd: onPath('zstd'),
};
const skipped = Object.entries(tools).filter(([, ok]) => !ok).map(([name]) => `${name} (not installed or not root)`);
const fresh = (name) => {
  const path = join(runDir, name);
  rmSync(path, { recursive: true, force: true });
  return path;
};
rmSync(runDir, { recursive: true, force: true });
mkdirSync(runDir, { recursive: true });

const ferry = (root, args) => timed(process.execPath, [ferryBin, '--root', root, ...args]);
const imports = new Samples();
const exports = new Samples();
const unpacks = new Samples();
const large = new Samples();

let largeNote;
if (!onlyRealistic) {
  log(`1× archive (${mb(archives.bytes1x)}): import and export, ${reps} runs each`);
  let ferryRoot;
  let skopeoDir;
  for (let r = 0; r < reps; r++) {
    if (tools.sha256sum) imports.add('sha256sum', await timed('sha256sum', [archives.archive1x]));

    ferryRoot = fresh('ferry-store');
    imports.add('ferry', await ferry(ferryRoot, ['import', '--all-platforms', '--no-unpack', archives.archive1x]));
    exports.add('ferry', await ferry(ferryRoot, ['export', '--all-platforms', fresh('ferry-export.tar'), archives.image]));

    if (tools.skopeo) {
      skopeoDir = fresh('skopeo-oci');
      imports.add('skopeo', await timed('skopeo', ['copy', '--all', '-q', `oci-archive:${archives.archive1x}`, `oci:${skopeoDir}:1`]));
      exports.add('skopeo', await timed('skopeo', ['copy', '--all', '-q', `oci:${skopeoDir}:1`, `oci-archive:${fresh('skopeo-export.tar')}:1`]));
    }

    if (tools.ctr) {
      // A fresh daemon each time: containerd would skip content it already holds.
      const containerd = await startContainerd(runDir);
      try {
        imports.add('ctr', await timed('ctr', containerd.ctrArgs(['images', 'import', '--all-platforms', '--no-unpack', archives.archive1x])));
        exports.add('ctr', await timed('ctr', containerd.ctrArgs(['images', 'export', '--all-platforms', fresh('ctr-export.tar'), archives.image])));
      } finally {
        await containerd.stop();
      }
    }
    log(`  run ${r + 1}/${reps} done`);
  }
  for (const name of ['ferry-export.tar', 'skopeo-export.tar', 'ctr-export.tar']) fresh(name);

  log(`unpack linux/amd64 (${archives.amd64Layers.length} layers, ${mb(archives.uncompressedAmd64)} of tar), ${reps} runs each`);
  const layerFiles = archives.amd64Layers.map((digest) => join(ferryRoot, 'blobs', 'sha256', digest.slice('sha256:'.length)));
  const umociLayout = tools.umoci ? umociLayoutFor(ferryRoot, archives.amd64Manifest) : undefined;
  for (let r = 0; r < reps; r++) {
    unpacks.add('ferry', await ferry(ferryRoot, ['unpack', '--platform', 'linux/amd64', archives.image, fresh('ferry-rootfs')]));
    fresh('ferry-rootfs');
    if (tools.tar) {
      const rootfs = fresh('tar-rootfs');
      mkdirSync(rootfs);
      const script = 'set -e; dir="$1"; shift; for layer in "$@"; do tar -xzf "$layer" -C "$dir"; done';
      unpacks.add('tar -xzf', await timed('sh', ['-c', script, 'sh', rootfs, ...layerFiles]));
      fresh('tar-rootfs');
    }
    if (umociLayout) {
      unpacks.add('umoci', await timed('umoci', ['unpack', '--image', `${umociLayout}:amd64`, fresh('umoci-bundle')]));
      fresh('umoci-bundle');
    }
    log(`  run ${r + 1}/${reps} done`);
  }
  fresh('ferry-store');
  fresh('skopeo-oci');
  if (umociLayout) fresh('umoci-layout');

  if (process.env.BENCH_SKIP_4X === '1') {
    largeNote = 'skipped: BENCH_SKIP_4X=1';
  } else {
    // The store and the exported tar each need the archive's size again.
    const free = freeBytes(existsSync(runDir) ? runDir : cacheDir);
    const needed = 2.2 * archives.bytes4x;
    if (free < needed) {
      largeNote = `skipped: ${mb(free)} free on the disk of ${runDir}, ${mb(needed)} needed`;
    } else {
      log(`4× archive (${mb(archives.bytes4x)}): ferry import and export, ${reps} runs each`);
      for (let r = 0; r < reps; r++) {
        if (tools.sha256sum) large.add('sha256sum', await timed('sha256sum', [archives.archive4x]));
        const root = fresh('ferry-store-4x');
        large.add('ferry import', await ferry(root, ['import', '--all-platforms', '--no-unpack', archives.archive4x]));
        large.add('ferry export', await ferry(root, ['export', '--all-platforms', fresh('ferry-export-4x.tar'), archives.image]));
        fresh('ferry-export-4x.tar');
        fresh('ferry-store-4x');
        log(`  run ${r + 1}/${reps} done`);
      }
    }
  }
}
log('realistic image: unpack, import, import --no-unpack, zstd, start-up, 4× archive');
mkdirSync(chartsDir, { recursive: true });
const realistic = await runRealistic({ cacheDir, runDir, ferryBin, reps, tools, log, chartsDir });
rmSync(runDir, { recursive: true, force: true });

const classic = onlyRealistic
  ? JSON.parse(readFileSync(join(benchDir, 'results.json'), 'utf8'))
  : summarize({
  archives,
  reps,
  rssSource,
  skipped,
  largeNote,
  imports,
  exports,
  unpacks,
  large,
  environment: {
    node: process.version,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model,
    memoryGB: Number((totalmem() / 2 ** 30).toFixed(1)),
    loadBefore,
    loadAfter: machine(),
    pageCache: 'warm (dropping the page cache is not possible here)',
    tools: toolVersions(tools),
  },
  benchSeconds: (performance.now() - started) / 1000,
});
writeFileSync(join(benchDir, 'results.json'), `${JSON.stringify(classic, null, 2)}\n`);
writeFileSync(join(benchDir, 'results-realistic.json'), `${JSON.stringify(realistic, null, 2)}\n`);
writeFileSync(join(benchDir, 'results.md'), `${renderMarkdown(classic)}\n${renderRealistic(realistic)}`);
log(`wrote bench/results.md, results.json and results-realistic.json in ${((performance.now() - started) / 60000).toFixed(1)} min`);

/**
 * umoci 0.4.7 unpacks a manifest, not an index: a layout whose index.json names the linux/amd64 manifest as
 * `amd64`, sharing the ferry store's blobs through a symlink.
 */
function umociLayoutFor(storeRoot, manifest) {
  const layout = fresh('umoci-layout');
  mkdirSync(layout);
  writeFileSync(join(layout, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  const { platform: _platform, ...desc } = manifest;
  const entry = { ...desc, annotations: { 'org.opencontainers.image.ref.name': 'amd64' } };
  writeFileSync(join(layout, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [entry] }));
  symlinkSync(join(storeRoot, 'blobs'), join(layout, 'blobs'));
  return layout;
}

/** `--only realistic` (as `npm run bench -- --only realistic`): the realistic part alone; the rest is kept from results.json. */
function optionValue(name) {
  const args = process.argv.slice(2);
  const at = args.indexOf(name);
  return at === -1 ? undefined : args[at + 1];
}

function onPath(cmd) {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function toolVersions(available) {
  const version = (cmd, args) => {
    try {
      return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).split('\n')[0].trim();
    } catch {
      return undefined;
    }
  };
  return {
    skopeo: available.skopeo ? version('skopeo', ['--version']) : undefined,
    ctr: available.ctr ? version('ctr', ['--version']) : undefined,
    umoci: available.umoci ? version('umoci', ['--version']) : undefined,
    tar: available.tar ? version('tar', ['--version']) : undefined,
    sha256sum: available.sha256sum ? version('sha256sum', ['--version']) : undefined,
  };
}

function mb(bytes) {
  return `${(bytes / 1e6).toFixed(0)} MB`;
}
