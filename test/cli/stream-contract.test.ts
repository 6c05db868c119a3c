/**
 * The stream contract of every reading command, run as a user runs them (the built bin/ferry as a subprocess): on
 * a valid archive of a realistic image (multi-MB zstd layers), the same archive cut at six places, with one
 * flipped byte in a layer, and gzip- or zstd-wrapped as a file and on stdin. Each run must give the complete,
 * verified result or exit non-zero with one line on stderr; exit 0 with partial work, or a stack trace, fails.
 * Needs the zstd CLI (package `zstd`) for fixtures and docker-registry (package `docker-registry`) for push.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ociLayoutTar } from '../helpers/archive-fixtures.js';
import { type CliResult, runFerry } from '../helpers/cli.js';
import { compress } from '../helpers/image-builder.js';
import { buildRealisticImage, REALISTIC_BIG_FILE } from '../helpers/realistic-image.js';
import { treeLines } from '../helpers/tree-digest.js';
import { itInterop, REGISTRY_NEED } from '../interop/harness/requirements.js';
import { startRegistry } from '../registry/registry-server.js';

const HOST = { FERRY_PLATFORM: 'linux/amd64' };
const NAME = 'example.com/stream/contract:1';

/** An archive as a command gets it: a file, or bytes on stdin. */
interface Variant {
  name: string;
  path: string;
  stdin?: Buffer;
  /** Whether the archive is whole; `either` when a reader may accept it (only the end marker is gone). */
  intact: boolean | 'either';
  /** Run by every command, not only by the archive readers (the machine is small: writers get a sample). */
  forWriters?: boolean;
  /** Run by inspect and explain too (they get a sample as well). */
  forViewers?: boolean;
}

/** Where an entry of a tar sits: its header and its data. */
interface TarSpan {
  name: string;
  header: number;
  data: number;
  size: number;
}

function tarSpans(tar: Buffer): TarSpan[] {
  const spans: TarSpan[] = [];
  for (let at = 0; at + 512 <= tar.length; ) {
    const name = tar.toString('utf8', at, at + 100).replace(/\0.*$/s, '');
    if (name === '') break;
    const size = Number.parseInt(tar.toString('utf8', at + 124, at + 136).replace(/\0.*$/s, '').trim() || '0', 8);
    spans.push({ name, header: at, data: at + 512, size });
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return spans;
}

/** Runs `jobs` at most `limit` at a time (the machine has two cores). */
async function inPool<T>(jobs: (() => Promise<T>)[], limit: number): Promise<T[]> {
  const results: T[] = new Array(jobs.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < jobs.length) {
        const i = next++;
        results[i] = await jobs[i]!();
      }
    }),
  );
  return results;
}

/**
 * A failure as the contract allows it: one line, `ferry: … (ERR_…)`, no internal error, no stack. `verify` may
 * instead exit 1 with its report on stdout (an archive that ends cleanly between entries is readable, but incomplete).
 */
function expectOneLineFailure(result: CliResult, label: string, reportOnStdout: boolean): void {
  expect(result.code, `${label}: exit code`).not.toBe(0);
  expect(result.code, `${label}: not an internal error (${result.stderr})`).not.toBe(70);
  if (reportOnStdout && result.stderr === '' && result.code === 1) {
    expect(result.stdout, `${label}: a report`).toMatch(/missing|incomplete/i);
    return;
  }
  const lines = result.stderr.split('\n').filter((l) => l !== '' && !l.startsWith('warning:'));
  expect(lines, `${label}: one line on stderr`).toHaveLength(1);
  expect(lines[0], label).toMatch(/^ferry: .*\((ERR_[A-Z_]+|E[A-Z]+)\)$/);
}

describe('stream contract of every reading command (CLI subprocess)', () => {
  let dir: string;
  /** The tree a complete unpack of the image gives, from the uncompressed-layer variant. */
  let reference: string[];
  let referenceRoot: string;
  let manifestDigest: string;
  const variants: Variant[] = [];
  let zstdTar: Buffer;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ferry-stream-contract-'));
    const zstdImage = await buildRealisticImage({ compression: 'zstd', bigFileBytes: 3 * 1024 * 1024, smallFiles: 200 });
    manifestDigest = zstdImage.manifests[0]!.desc.digest;
    zstdTar = await ociLayoutTar({ images: [{ image: zstdImage, containerdName: NAME, refName: '1' }] });
    const write = async (name: string, bytes: Buffer) => {
      const path = join(dir, name);
      await writeFile(path, bytes);
      return path;
    };
    // The reference tree comes from uncompressed layers: no decoder involved.
    const plain = await buildRealisticImage({ compression: 'none', bigFileBytes: 3 * 1024 * 1024, smallFiles: 200 });
    const plainPath = await write('plain.tar', await ociLayoutTar({ images: [{ image: plain, containerdName: NAME, refName: '1' }] }));
    referenceRoot = join(dir, 'reference-store');
    const imported = await runFerry(['--root', referenceRoot, 'import', '--json', plainPath], { env: HOST });
    expect(imported.code, imported.stderr).toBe(0);
    reference = await treeLines(JSON.parse(imported.stdout).images[0].unpack.outcome.snapshot);
    expect(reference.some((l) => l.startsWith(`f ${REALISTIC_BIG_FILE} 755 ${3 * 1024 * 1024} `))).toBe(true);
    expect(reference.length).toBeGreaterThan(200);

    const spans = tarSpans(zstdTar);
    const layers = spans.filter((s) => s.name.startsWith('blobs/sha256/') && s.size > 100_000).sort((a, b) => b.size - a.size);
    const big = layers[0]!;
    const json = spans.find((s) => s.name === `blobs/sha256/${manifestDigest.slice(7)}`)!;
    const after = spans[spans.indexOf(big) + 1] ?? spans.at(-1)!;
    expect(zstdTar.subarray(zstdTar.length - 1024).every((b) => b === 0)).toBe(true);
    const cuts: [string, number][] = [
      ['inside a tar header', big.header + 100],
      ['inside a JSON blob', json.data + Math.floor(json.size / 2)],
      ['inside a layer', big.data + Math.floor(big.size / 2) + 7],
      ['on a block boundary inside a layer', big.data + 512 * 1000],
      ['between two entries', after.header],
      ['just before the end marker', zstdTar.length - 1024],
    ];
    variants.push({ name: 'valid (zstd layers)', path: await write('valid.tar', zstdTar), intact: true, forWriters: true, forViewers: true });
    for (const [where, at] of cuts) {
      variants.push({
        name: `cut ${where}`,
        path: await write(`cut-${at}.tar`, zstdTar.subarray(0, at)),
        intact: where === 'just before the end marker' ? 'either' : false,
        forWriters: where === 'inside a layer',
        forViewers: where === 'inside a layer' || where === 'inside a JSON blob',
      });
    }
    const flipped = Buffer.from(zstdTar);
    const flipAt = big.data + Math.floor(big.size / 3);
    flipped[flipAt] = flipped[flipAt]! ^ 0x40;
    variants.push({ name: 'one flipped byte in a layer', path: await write('flipped.tar', flipped), intact: false, forWriters: true, forViewers: true });
    const gzipped = gzipSync(zstdTar);
    const zstded = compress(zstdTar, 'zstd');
    variants.push({ name: 'gzip-wrapped file', path: await write('wrapped.tar.gz', gzipped), intact: true, forWriters: true });
    variants.push({ name: 'zstd-wrapped file', path: await write('wrapped.tar.zst', zstded), intact: true });
    variants.push({ name: 'gzip-wrapped on stdin', path: '-', stdin: gzipped, intact: true });
    variants.push({ name: 'zstd-wrapped on stdin', path: '-', stdin: zstded, intact: true, forViewers: true });
    variants.push({ name: 'cut zstd-wrapped on stdin', path: '-', stdin: zstded.subarray(0, Math.floor(zstded.length * 0.6)), intact: false });
  }, 180_000);

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** A reading command: its arguments for an archive, and what a complete result must show. */
  interface Command {
    name: string;
    /** Which variants it runs on: every one (the archive readers), or a sample. */
    role: 'reader' | 'viewer' | 'writer';
    run(variant: Variant, scratch: string): Promise<CliResult>;
    complete(result: CliResult, scratch: string): Promise<void>;
    /** Files a failed run must not leave behind. */
    outputs?(scratch: string): string[];
  }

  const ferry = (args: string[], variant: Variant) => runFerry(args, { env: HOST, timeoutMs: 120_000, ...(variant.stdin ? { stdin: variant.stdin } : {}) });
  const verifies = async (path: string) => {
    const result = await runFerry(['verify', path], { env: HOST, timeoutMs: 120_000 });
    expect(result.code, `verify ${path}: ${result.stderr}`).toBe(0);
  };

  const commands: Command[] = [
    {
      name: 'import',
      role: 'reader' as const,
      run: (v, s) => ferry(['--root', join(s, 'store'), 'import', '--json', v.path], v),
      async complete(result) {
        expect(await treeLines(JSON.parse(result.stdout).images[0].unpack.outcome.snapshot)).toEqual(reference);
      },
    },
    {
      name: 'verify',
      role: 'reader' as const,
      run: (v, s) => ferry(['--root', join(s, 'store'), 'verify', '--json', v.path], v),
      async complete(result) {
        const report = JSON.parse(result.stdout);
        expect(report.complete).toBe(true);
        expect(JSON.stringify(report.images)).toContain(manifestDigest);
      },
    },
    {
      name: 'inspect',
      role: 'viewer' as const,
      run: (v, s) => ferry(['--root', join(s, 'store'), 'inspect', v.path], v),
      async complete(result) {
        expect(result.stdout).toContain(manifestDigest.slice(7, 19));
      },
    },
    {
      name: 'platforms explain --against',
      role: 'viewer' as const,
      run: (v, s) => ferry(['--root', join(s, 'store'), 'platforms', 'explain', 'linux/amd64', '--against', v.path, '--json'], v),
      async complete(result) {
        expect(result.stdout).toContain(manifestDigest);
      },
    },
    {
      name: 'export --exclude-blobs-from',
      role: 'writer' as const,
      run: (v, s) => ferry(['--root', referenceRoot, 'export', '--exclude-blobs-from', v.path, join(s, 'delta.tar'), NAME], v),
      async complete(_result, s) {
        expect((await stat(join(s, 'delta.tar'))).size).toBeGreaterThan(1024);
      },
      outputs: (s) => [join(s, 'delta.tar')],
    },
    {
      name: 'merge',
      role: 'writer' as const,
      run: (v, s) => ferry(['--root', join(s, 'store'), 'merge', join(s, 'merged.tar'), v.path], v),
      complete: (_result, s) => verifies(join(s, 'merged.tar')),
      outputs: (s) => [join(s, 'merged.tar')],
    },
    {
      name: 'split',
      role: 'writer' as const,
      run: (v, s) => ferry(['--root', join(s, 'store'), 'split', v.path, '--platform', 'linux/amd64', '-o', join(s, 'split.tar')], v),
      complete: (_result, s) => verifies(join(s, 'split.tar')),
      outputs: (s) => [join(s, 'split.tar')],
    },
  ];

  /** Runs each command on the variants its role takes, two at a time; returns what broke the contract. */
  async function contractFailures(commands: Command[]): Promise<string[]> {
    const runsOn = (command: Command, variant: Variant) =>
      command.role === 'reader' || (command.role === 'viewer' ? variant.forViewers : variant.forWriters) === true;
    const jobs = variants.flatMap((variant) =>
      commands.filter((command) => runsOn(command, variant)).map((command) => async () => {
        const scratch = await mkdtemp(join(dir, 'run-'));
        const label = `${command.name} on ${variant.name}`;
        const result = await command.run(variant, scratch);
        return { variant, command, scratch, label, result };
      }),
    );
    const runs = await inPool(jobs, 2);
    const failures: string[] = [];
    for (const { variant, command, scratch, label, result } of runs) {
      try {
        expect(result.stderr, `${label}: no stack trace`).not.toMatch(/\n\s+at /);
        if (variant.intact === true || (variant.intact === 'either' && result.code === 0)) {
          expect(result.code, `${label}: ${result.stderr}`).toBe(0);
          await command.complete(result, scratch);
        } else {
          expectOneLineFailure(result, label, command.name === 'verify');
          for (const output of command.outputs?.(scratch) ?? []) expect(existsSync(output), `${label}: left ${output}`).toBe(false);
        }
      } catch (err) {
        failures.push(`${label}: ${(err as Error).message.split('\n')[0]}`);
      }
    }
    return failures;
  }

  it('every command on every variant: the complete verified result, or one line and a non-zero exit', async () => {
    expect(await contractFailures(commands)).toEqual([]);
  }, 600_000);

  itInterop('push from an archive (docker-registry): the image in the registry, or one line and a non-zero exit', [REGISTRY_NEED], async () => {
    const registry = await startRegistry();
    const repository = (scratch: string) => `contract/${scratch.split('-').at(-1)!.toLowerCase()}`;
    try {
      const push: Command = {
        name: 'push from an archive',
        role: 'writer',
        run: (v, s) => ferry(['--root', join(s, 'store'), 'push', v.path, `${registry.host}/${repository(s)}:1`], v),
        async complete(_result, s) {
          const res = await fetch(`http://${registry.host}/v2/${repository(s)}/manifests/1`, {
            headers: { accept: 'application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json' },
          });
          expect(res.status).toBe(200);
          await res.arrayBuffer();
        },
      };
      expect(await contractFailures([push])).toEqual([]);
    } finally {
      await registry.stop();
    }
  }, 300_000);

  it('gzip, zstd and uncompressed layers of the same image unpack to identical trees', async () => {
    const gzipImage = await buildRealisticImage({ compression: 'gzip', bigFileBytes: 3 * 1024 * 1024, smallFiles: 200 });
    const gzipPath = join(dir, 'gzip-layers.tar');
    await writeFile(gzipPath, await ociLayoutTar({ images: [{ image: gzipImage, containerdName: NAME, refName: '1' }] }));
    for (const path of [gzipPath, join(dir, 'valid.tar')]) {
      const root = await mkdtemp(join(dir, 'tree-'));
      const imported = await runFerry(['--root', root, 'import', '--json', path], { env: HOST });
      expect(imported.code, imported.stderr).toBe(0);
      const out = join(root, 'unpacked');
      const unpacked = await runFerry(['--root', root, 'unpack', NAME, out], { env: HOST });
      expect(unpacked.code, unpacked.stderr).toBe(0);
      expect(await treeLines(out)).toEqual(reference);
    }
  }, 120_000);

  it('store commands on a zstd image: unpack, convert --layers gzip, export --layer-compression gzip give complete results', async () => {
    const root = await mkdtemp(join(dir, 'store-cmds-'));
    expect((await runFerry(['--root', root, 'import', '--no-unpack', join(dir, 'valid.tar')], { env: HOST })).code).toBe(0);
    const exported = join(root, 'regz.tar');
    const exportRun = await runFerry(['--root', root, 'export', '--layer-compression', 'gzip', exported, NAME], { env: HOST });
    expect(exportRun.code, exportRun.stderr).toBe(0);
    await verifies(exported);
    const converted = await runFerry(['--root', root, 'convert', NAME, '--layers', 'gzip', '--json'], { env: HOST });
    expect(converted.code, converted.stderr).toBe(0);
    for (const [source, out] of [
      [exported, 'from-export'],
      ['', 'from-convert'],
    ] as const) {
      const target = join(root, out);
      const run = source
        ? await runFerry(['--root', join(root, `${out}-store`), 'import', source], { env: HOST }).then(() =>
            runFerry(['--root', join(root, `${out}-store`), 'unpack', NAME, target], { env: HOST }),
          )
        : await runFerry(['--root', root, 'unpack', NAME, target], { env: HOST });
      expect(run.code, run.stderr).toBe(0);
      expect(await treeLines(target)).toEqual(reference);
    }
  }, 120_000);
});
