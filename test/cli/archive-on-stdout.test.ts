// When stdout carries an archive it carries only the archive: the result, --json included, goes to stderr. Before,
// `ferry export --json - IMAGE > x.tar` appended the JSON to the tar, and GNU tar and skopeo accepted it silently.
import { spawnSync } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ociLayoutTar } from '../helpers/archive-fixtures.js';
import { runFerry } from '../helpers/cli.js';
import { buildImage } from '../helpers/image-builder.js';

const BIN = fileURLToPath(new URL('../../bin/ferry', import.meta.url));
const HOST = { FERRY_PLATFORM: 'linux/amd64' };
const NAME = 'example.com/stdout/app:1';

/** Runs ferry with stdout going to `file`, as `ferry … > file` does. */
function ferryToFile(args: string[], file: string) {
  const fd = openSync(file, 'w');
  try {
    const result = spawnSync(process.execPath, [BIN, ...args], { stdio: ['ignore', fd, 'pipe'], env: { ...process.env, ...HOST }, encoding: 'utf8' });
    return { code: result.status, stderr: result.stderr };
  } finally {
    closeSync(fd);
  }
}

describe('an archive on stdout is the only thing on stdout', () => {
  let dir: string;
  let root: string;
  let input: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ferry-archive-stdout-'));
    root = join(dir, 'store');
    input = join(dir, 'in.tar');
    const image = await buildImage({ seed: 'stdout', padding: 300_000 });
    await writeFile(input, await ociLayoutTar({ images: [{ image, containerdName: NAME, refName: '1' }] }));
    const imported = await runFerry(['--root', root, 'import', '--all-platforms', '--no-unpack', input], { env: HOST });
    expect(imported.code, imported.stderr).toBe(0);
  }, 60_000);

  afterAll(() => (dir ? rm(dir, { recursive: true, force: true }) : undefined));

  it.each([
    ['export', () => ['--root', root, 'export', '--all-platforms', '--json', '-', NAME], 'out'],
    ['split', () => ['--root', join(dir, 'scratch-split'), 'split', input, '--platform', 'linux/arm64', '-o', '-', '--json'], 'out'],
    ['merge', () => ['--root', join(dir, 'scratch-merge'), 'merge', '-', input, '--json'], 'out'],
    ['copy', () => ['--root', root, 'copy', `store:${NAME}`, '-', '--json'], undefined],
  ] as const)('%s - --json: stdout is a complete archive ending in its end marker; the JSON is on stderr', async (name, args, key) => {
    const file = join(dir, `${name}.tar`);
    const result = ferryToFile(args(), file);
    expect(result.code, result.stderr).toBe(0);
    const json = JSON.parse(result.stderr) as Record<string, unknown>;
    if (key) expect(json[key]).toBe('stdout');
    const bytes = readFileSync(file);
    expect(bytes.length % 512).toBe(0);
    expect(bytes.subarray(bytes.length - 1024).every((b) => b === 0)).toBe(true);
    const verified = await runFerry(['verify', '--json', '-'], { stdin: bytes, env: HOST });
    expect(verified.code, verified.stderr).toBe(0);
    expect(JSON.parse(verified.stdout).complete).toBe(true);
  });
});
