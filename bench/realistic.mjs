/**
 * The realistic part of `npm run bench` (alone: `npm run bench -- --only realistic`): the image of
 * realistic-image.mjs (a /usr/share and a Python standard library: tens of thousands of small files), ferry beside
 * its peers in one run, runs interleaved so a busy machine slows every tool alike, median of BENCH_REPS (default 3).
 * Only the operation is timed: deleting its output, and preparing a store to unpack from, are not; after every
 * deletion (and before the first run) the disk is settled, untimed (measure.mjs settleDisk), and the order of the
 * tools within an operation rotates from rep to rep.
 *
 *   unpack linux/amd64          ferry unpack      vs tar -xzf of the two layers in sequence; umoci unpack
 *   import (unpacks the host's) ferry import      vs skopeo copy --all + umoci unpack
 *   import --no-unpack          ferry import      vs tar -xf of the archive + sync
 *   unpack of zstd layers       ferry unpack      vs zstd -dc | tar -x, layer by layer
 *   start-up                    ferry version     vs node -e 0
 *   4× archive                  ferry import (with unpack) of the 4× archive: time and peak RSS beside the 1× run
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { barChart } from './chart.mjs';
import { freeBytes, Samples, settleDisk, timed, treeBytes } from './measure.mjs';
import { ensureRealistic } from './realistic-image.mjs';

const STARTUP_REPS = 7;
const TARGETS = {
  unpackVsTar: 1.0,
  importVsSkopeoUmoci: 0.5,
  noUnpackVsTarSync: 1.3,
  startupVsNode: 2.5,
  zstdVsZstdTar: 1.0,
  peakRssMB: 150,
};

export async function runRealistic({ cacheDir, runDir, ferryBin, reps, tools, log, chartsDir }) {
  const image = await ensureRealistic(cacheDir, log);
  const zstd = zstdBackendOf(ferryBin);
  log(`ferry's zstd backend: ${describeZstd(zstd)}`);
  const dir = join(runDir, 'realistic');
  // Each rep writes its outputs into a directory of its own (see `discardRep` below for why).
  let repDir = dir;
  const fresh = (name) => {
    const path = join(repDir, name);
    rmSync(path, { recursive: true, force: true });
    return path;
  };
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const ferry = (root, args) => timed(process.execPath, [ferryBin, '--root', root, ...args]);
  const ops = { unpack: new Samples(), import: new Samples(), noUnpack: new Samples(), zstd: new Samples(), startup: new Samples(), large: new Samples() };
  const layers = image.plainLayers;
  // Each sample is logged as it is taken: on a busy machine a long run can be followed (and read back) as it goes.
  const record = (samples, op, name, sample) => {
    samples.add(name, sample);
    log(`  ${op} ${name}: ${sample.seconds.toFixed(2)} s, ${sample.rssMB.toFixed(0)} MB${sample.cpuSeconds === undefined ? '' : `, ${sample.cpuSeconds.toFixed(2)} CPU s`}`);
  };

  // Stores to unpack from, made once, untimed: the gzip image, and the zstd one (same name, so a store of its own).
  const store = fresh('store');
  await ferry(store, ['import', '--all-platforms', '--no-unpack', image.archive1x]);
  const zstdStore = fresh('zstd-store');
  await ferry(zstdStore, ['import', '--all-platforms', '--no-unpack', image.archiveZstd]);
  const umociLayout = tools.umoci ? umociLayoutFor(fresh('umoci-layout'), join(store, 'blobs'), image.amd64Manifest) : undefined;

  // Each operation's contenders, each a timed run writing into the rep's directory.
  const contenders = {
    unpack: [
      { name: 'ferry', run: () => ferry(store, ['unpack', '--platform', 'linux/amd64', image.image, fresh('rootfs')]) },
      tools.tar && {
        name: 'tar -xzf',
        run: () => {
          const rootfs = fresh('tar-rootfs');
          mkdirSync(rootfs);
          return timed('sh', ['-c', 'set -e; d="$1"; shift; for l; do tar -xzf "$l" -C "$d"; done', 'sh', rootfs, ...layers.map((l) => l.gz)]);
        },
      },
      umociLayout && { name: 'umoci', run: () => timed('umoci', ['unpack', '--image', `${umociLayout}:amd64`, fresh('umoci-bundle')]) },
    ],
    import: [
      { name: 'ferry', run: () => ferry(fresh('import-store'), ['import', '--all-platforms', image.archive1x]) },
      tools.skopeo && tools.umoci && {
        name: 'skopeo copy + umoci unpack',
        run: async () => {
          const oci = fresh('skopeo-oci');
          const copy = await timed('skopeo', ['copy', '--all', '-q', `oci-archive:${image.archive1x}`, `oci:${oci}:1`]);
          const layout = umociLayoutFor(fresh('skopeo-umoci-layout'), join(oci, 'blobs'), image.amd64Manifest);
          const unpack = await timed('umoci', ['unpack', '--image', `${layout}:amd64`, fresh('skopeo-bundle')]);
          return { seconds: copy.seconds + unpack.seconds, rssMB: Math.max(copy.rssMB, unpack.rssMB), cpuSeconds: copy.cpuSeconds + unpack.cpuSeconds };
        },
      },
    ],
    noUnpack: [
      { name: 'ferry', run: () => ferry(fresh('no-unpack-store'), ['import', '--all-platforms', '--no-unpack', image.archive1x]) },
      tools.tar && {
        name: 'tar -xf + sync',
        run: () => {
          const out = fresh('tar-archive');
          mkdirSync(out);
          return timed('sh', ['-c', 'tar -xf "$1" -C "$2" && sync', 'sh', image.archive1x, out]);
        },
      },
    ],
    zstd: [
      { name: 'ferry', run: () => ferry(zstdStore, ['unpack', '--platform', 'linux/amd64', image.image, fresh('zstd-rootfs')]) },
      tools.zstd && tools.tar && {
        name: 'zstd -dc | tar -x',
        run: () => {
          const rootfs = fresh('zstd-tar-rootfs');
          mkdirSync(rootfs);
          return timed('sh', ['-c', 'set -e; d="$1"; shift; for l; do zstd -dc "$l" | tar -x -C "$d"; done', 'sh', rootfs, ...layers.map((l) => l.zst)]);
        },
      },
    ],
  };
  // Deleting a tree of 72,000 files costs whoever creates files next on this disk (ext4 with discard): a tar -xzf
  // that takes 6 s took 29 s right after one, most of it kernel time, even once /proc/diskstats had gone quiet.
  // So outputs are kept, each rep in a directory of its own, and deleted only when the disk would run short of
  // room for the next rep — then the disk is settled before going on, and the log says so.
  const discardRep = async (r) => {
    if (r === reps - 1 || freeBytes(dir) > 2 * treeBytes(repDir)) return;
    log(`  deleting rep ${r + 1}'s outputs for room: the next runs may carry the cost`);
    rmSync(repDir, { recursive: true, force: true });
    await settleDisk(dir, log);
  };

  await settleDisk(dir, log);
  for (let r = 0; r < reps; r++) {
    log(`realistic run ${r + 1}/${reps}`);
    repDir = join(dir, `rep-${r + 1}`);
    mkdirSync(repDir);
    for (const [op, list] of Object.entries(contenders)) {
      // Rotated each rep, so no tool always runs right after the same one.
      for (const contender of rotate(list.filter(Boolean), r)) {
        record(ops[op], op, contender.name, await contender.run());
        await settleDisk(dir, log);
      }
    }
    if (process.env.BENCH_SKIP_4X !== '1') {
      record(ops.large, 'large', 'ferry import 1×', ops.import.runs.get('ferry').at(-1));
      record(ops.large, 'large', 'ferry import 4×', await ferry(fresh('large-store'), ['import', '--all-platforms', image.archive4x]));
      await settleDisk(dir, log);
    }
    await discardRep(r);
  }
  for (let r = 0; r < STARTUP_REPS; r++) {
    record(ops.startup, 'startup', 'ferry version', await timed(process.execPath, [ferryBin, 'version']));
    record(ops.startup, 'startup', 'node -e 0', await timed(process.execPath, ['-e', '0']));
  }
  rmSync(dir, { recursive: true, force: true });
  return summarizeRealistic(image, ops, reps, chartsDir, zstd);
}

/** The zstd backend the ferry under test uses here, as `ferry version --json` reports it. */
function zstdBackendOf(ferryBin) {
  const { zstd, zstdCompression, zstdProgram } = JSON.parse(execFileSync(process.execPath, [ferryBin, 'version', '--json'], { encoding: 'utf8' }));
  return { decoder: zstd, compressor: zstdCompression, ...(zstdProgram ? { program: zstdProgram } : {}) };
}

function describeZstd(zstd) {
  return `${zstd.decoder}${zstd.program ? ` (zstd ${zstd.program})` : ''}`;
}

/** `list` started at its `by`-th element (modulo its length), wrapping round. */
function rotate(list, by) {
  const start = list.length ? by % list.length : 0;
  return [...list.slice(start), ...list.slice(0, start)];
}

/**
 * umoci 0.4.7 unpacks a manifest, not an index: a layout whose index.json names the linux/amd64 manifest as
 * `amd64`, sharing another layout's blobs through a symlink.
 */
function umociLayoutFor(layout, blobs, manifest) {
  mkdirSync(layout);
  writeFileSync(join(layout, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  const { platform: _platform, ...desc } = manifest;
  writeFileSync(join(layout, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{ ...desc, annotations: { 'org.opencontainers.image.ref.name': 'amd64' } }] }));
  symlinkSync(blobs, join(layout, 'blobs'));
  return layout;
}

function summarizeRealistic(image, ops, reps, chartsDir, zstdBackend) {
  const table = (samples) => Object.fromEntries([...samples.runs.keys()].map((name) => [name, samples.summary(name)]));
  const operations = Object.fromEntries(Object.entries(ops).map(([k, v]) => [k, table(v)]));
  const ratio = (a, b) => (a && b ? Number((a.seconds / b.seconds).toFixed(3)) : undefined);
  const { unpack, import: imp, noUnpack, zstd, startup, large } = operations;
  const ferryRss = [unpack.ferry, imp.ferry, noUnpack.ferry, zstd.ferry, large['ferry import 4×']].filter(Boolean).map((s) => s.rssMB);
  const targets = [
    target('unpack vs tar -xzf', ratio(unpack.ferry, unpack['tar -xzf']), TARGETS.unpackVsTar),
    target('unpack vs umoci', ratio(unpack.ferry, unpack.umoci), 1),
    target('import (with unpack) vs skopeo copy + umoci unpack', ratio(imp.ferry, imp['skopeo copy + umoci unpack']), TARGETS.importVsSkopeoUmoci),
    target('import --no-unpack vs tar -xf + sync', ratio(noUnpack.ferry, noUnpack['tar -xf + sync']), TARGETS.noUnpackVsTarSync),
    target('ferry version vs node -e 0', ratio(startup['ferry version'], startup['node -e 0']), TARGETS.startupVsNode),
    target('zstd unpack vs zstd -dc | tar -x', ratio(zstd.ferry, zstd['zstd -dc | tar -x']), TARGETS.zstdVsZstdTar),
    target('peak RSS of every ferry run (MB)', ferryRss.length ? Number(Math.max(...ferryRss).toFixed(1)) : undefined, TARGETS.peakRssMB, true),
    target('peak RSS 4× / 1× import', large['ferry import 4×'] ? ratio({ seconds: large['ferry import 4×'].rssMB }, { seconds: large['ferry import 1×'].rssMB }) : undefined, 1.1),
  ];
  const charts = {};
  const titles = {
    unpack: 'Unpack linux/amd64 (realistic image)',
    import: 'Import --all-platforms, unpacking the host platform',
    noUnpack: 'Import --all-platforms --no-unpack',
    zstd: `Unpack of zstd layers (ferry decoding with ${describeZstd(zstdBackend)})`,
    startup: 'Start-up: ferry version vs node -e 0',
    large: 'ferry import (with unpack): 1× vs 4× archive',
  };
  for (const [key, op] of Object.entries(operations)) {
    if (Object.keys(op).length === 0) continue;
    const file = `realistic-${key}.svg`;
    const rows = Object.entries(op).map(([name, s]) => ({ name, seconds: s.seconds, ferry: name.startsWith('ferry') }));
    writeFileSync(join(chartsDir, file), barChart({ title: titles[key], rows }));
    charts[key] = `charts/${file}`;
  }
  return {
    reps,
    zstdBackend,
    image: {
      archive1xBytes: image.bytes1x,
      archive4xBytes: image.bytes4x,
      archiveZstdBytes: image.bytesZstd,
      entries: image.entries,
      uncompressedAmd64Bytes: image.uncompressedAmd64,
      layers: image.layers,
      generateSeconds: Number(image.generateSeconds.toFixed(0)),
    },
    operations,
    targets,
    titles,
    charts,
  };
}

function target(name, value, limit, strict = false) {
  const met = value === undefined ? undefined : strict ? value < limit : value <= limit;
  return { name, value, limit: `${strict ? '<' : '≤'} ${limit}`, met };
}

export function renderRealistic(results) {
  const { image, operations } = results;
  const lines = [
    '## Realistic image (many small files)',
    '',
    `${image.entries} entries in two gzip layers, ${mb(image.uncompressedAmd64Bytes)} unpacked (linux/amd64), shaped like a Debian /usr/share`,
    'plus a Python standard library; layer 2 whites out, hides (opaque) and replaces part of layer 1 (bench/realistic-image.mjs).',
    `Archive: ${mb(image.archive1xBytes)} (4 platforms), 4× archive ${mb(image.archive4xBytes)}, zstd archive ${mb(image.archiveZstdBytes)}.`,
    `Median of ${results.reps} runs (start-up: 7), runs interleaved; generated once in ${image.generateSeconds} s.`,
    `ferry's zstd backend: ${describeZstd(results.zstdBackend)}, compressing with ${results.zstdBackend.compressor ?? 'nothing (decode only)'} (\`ferry version\`).`,
    '',
    '| layer | files | dirs | symlinks | hardlinks | whiteouts | MB |',
    '|---|---|---|---|---|---|---|',
    ...image.layers.map((l, i) => `| ${i + 1} | ${l.files} | ${l.directories} | ${l.symlinks} | ${l.hardlinks} | ${l.whiteouts} | ${(l.bytes / 1e6).toFixed(0)} |`),
    '',
    '### Targets (realistic image)',
    '',
    '| target | measured | limit | met |',
    '|---|---|---|---|',
    ...results.targets.map((t) => `| ${cell(t.name)} | ${t.value ?? 'n/a'} | ${t.limit} | ${t.met === undefined ? 'n/a' : t.met ? 'yes' : '**no**'} |`),
    '',
  ];
  for (const [key, op] of Object.entries(operations)) {
    if (Object.keys(op).length === 0) continue;
    const ferry = Object.entries(op).find(([name]) => name.startsWith('ferry'))?.[1];
    lines.push(`### ${results.titles[key]}`, '', `![${results.titles[key]}](${results.charts[key]})`, '');
    lines.push('| tool | median s | runs (s) | peak RSS MB | CPU s (user + sys) | ferry / tool |', '|---|---|---|---|---|---|');
    for (const [name, s] of Object.entries(op)) {
      const r = name.startsWith('ferry') || !ferry ? '—' : (ferry.seconds / s.seconds).toFixed(3);
      const cpu = s.cpuSeconds === undefined ? 'n/a' : s.cpuSeconds.toFixed(2);
      lines.push(`| ${cell(name)} | ${s.seconds.toFixed(2)} | ${s.runs.map((x) => x.toFixed(2)).join(', ')} | ${s.rssMB.toFixed(0)} | ${cpu} | ${r} |`);
    }
    lines.push('');
  }
  return lines.join('\n');
}

function mb(bytes) {
  return `${(bytes / 1e6).toFixed(0)} MB`;
}

/** A tool name inside a Markdown table cell (`zstd -dc | tar -x`). */
function cell(text) {
  return text.replace(/\|/g, '\\|');
}
