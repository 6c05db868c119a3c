/**
 * Progress as a user sees it in a terminal: the commands run under `script` (util-linux), which gives them a
 * pseudo-terminal, and the test reads what was drawn. Without a terminal, or with --quiet, nothing is drawn.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ociLayoutTar } from '../helpers/archive-fixtures.js';
import { runFerry } from '../helpers/cli.js';
import { buildImage } from '../helpers/image-builder.js';
import { describeInterop, type ToolNeed } from '../interop/harness/requirements.js';

const BIN = fileURLToPath(new URL('../../bin/ferry', import.meta.url));
const SCRIPT_NEED: ToolNeed = { debianPackage: 'bsdutils', tools: ['script'] };

let dir: string;
let archive: string;
const NAME = 'docker.io/library/progress:1';
const MiB = 1024 * 1024;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ferry-progress-'));
  const image = await buildImage({
    platforms: [{ os: 'linux', architecture: 'amd64' }, { os: 'linux', architecture: 'arm64' }],
    compression: 'none',
    padding: 48 * MiB,
  });
  archive = join(dir, 'big.tar');
  writeFileSync(archive, await ociLayoutTar({ images: [{ image, containerdName: NAME }] }));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs a shell command line in a pseudo-terminal; returns everything drawn on it (stdout and stderr). */
function inTerminal(command: string): string {
  const env: NodeJS.ProcessEnv = { ...process.env, FERRY_PLATFORM: 'linux/amd64' };
  delete env.CI;
  const result = spawnSync('script', ['-qfec', `stty cols 200 rows 50; ${command}`, '/dev/null'], { env, encoding: 'utf8', maxBuffer: 64 * MiB });
  expect(result.status, result.stdout).toBe(0);
  return result.stdout;
}

/** The distinct lines drawn, after splitting at carriage returns and the cursor controls the display uses. */
function frames(screen: string): string[] {
  return screen.split(/\r|\n|\x1b\[J|\x1b\[\d*A/).filter((f) => f.trim() !== '');
}

const ferry = (args: string) => `"${process.execPath}" "${BIN}" ${args}`;

describeInterop('progress on a terminal', [SCRIPT_NEED], () => {
  it('import shows reading with rate and ETA, then unpacking layer i of n with files, rate and ETA', () => {
    const store = join(dir, 's1');
    const drawn = frames(inTerminal(ferry(`--root "${store}" import "${archive}"`)));
    const reading = drawn.filter((f) => f.startsWith(`reading ${archive} (every blob verified): `));
    expect(reading.length, drawn.join('\n')).toBeGreaterThan(0);
    expect(reading.some((f) => / of \d+\.\d MiB \(\d+%\) +\d+(\.\d)? [KM]iB\/s +ETA \d+s/.test(f))).toBe(true);
    const unpacking = drawn.filter((f) => f.startsWith('unpacking linux/amd64: '));
    expect(unpacking.length).toBeGreaterThan(0);
    expect(unpacking.some((f) => /\d+(\.\d)? (B|KiB|MiB) of \d+\.\d MiB \(\d+%\).*layer \d of \d +\d+ files \(\d+\/s\)/.test(f))).toBe(true);
    // The result comes after the progress, which is cleared, not left half-drawn in it.
    expect(drawn.at(-1)).toMatch(/^ {2}snapshot: /);
  });

  it('stdin: bytes and rate, no percentage or ETA', () => {
    const store = join(dir, 's2');
    const drawn = frames(inTerminal(`cat "${archive}" | ${ferry(`--root "${store}" import --no-unpack -`)}`));
    const reading = drawn.filter((f) => f.startsWith('reading stdin (every blob verified): '));
    expect(reading.length).toBeGreaterThan(0);
    expect(reading.some((f) => /: \d+\.\d MiB +\d+(\.\d)? [KM]iB\/s$/.test(f))).toBe(true);
    expect(reading.some((f) => f.includes('ETA') || f.includes('%'))).toBe(false);
  });

  it('export shows a line per blob and what is done', () => {
    const store = join(dir, 's3');
    execFileSync(process.execPath, [BIN, '--root', store, 'import', '--all-platforms', '--no-unpack', archive]);
    const drawn = frames(inTerminal(ferry(`--root "${store}" export --all-platforms "${join(dir, 'out.tar')}" ${NAME}`)));
    expect(drawn.some((f) => /^ {2}[0-9a-f]{12} +\d+\.\d MiB +done$/.test(f))).toBe(true);
    expect(drawn.some((f) => /^exporting: \d+ blob\(s\) done, \d+ in flight/.test(f))).toBe(true);
  });

  it('--quiet draws nothing; nor does a run without a terminal', async () => {
    const store = join(dir, 's4');
    const drawn = inTerminal(ferry(`--root "${store}" --quiet import "${archive}"`));
    expect(drawn).not.toMatch(/reading|unpacking linux|ETA/);
    const piped = await runFerry(['--root', join(dir, 's5'), 'import', archive], { env: { FERRY_PLATFORM: 'linux/amd64' } });
    expect(piped.code).toBe(0);
    expect(piped.stderr).toBe('');
  });
});
