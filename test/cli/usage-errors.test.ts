import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ociLayoutTar } from '../helpers/archive-fixtures.js';
import { runFerry } from '../helpers/cli.js';
import { buildImage, FOUR_PLATFORMS } from '../helpers/image-builder.js';

const BIN = fileURLToPath(new URL('../../bin/ferry', import.meta.url));
let dir: string;
let root: string;
let archive: string;
const NAME = 'docker.io/library/usage:1';

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ferry-usage-'));
  root = join(dir, 'store');
  const image = await buildImage({ platforms: FOUR_PLATFORMS, padding: 1024 * 1024, compression: 'none' });
  archive = join(dir, 'four.tar');
  writeFileSync(archive, await ociLayoutTar({ images: [{ image, containerdName: NAME }] }));
  expect((await runFerry(['--root', root, 'import', '--all-platforms', '--no-unpack', archive])).code).toBe(0);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('usage', () => {
  it('ferry --version answers like ferry version', async () => {
    const flag = await runFerry(['--version']);
    const command = await runFerry(['version']);
    expect(flag.code).toBe(0);
    expect(flag.stdout).toMatch(/^ferry \d+\.\d+\.\d+\nnode /);
    expect(flag.stdout).toBe(command.stdout);
  });

  it("a missing argument points to the command's own help, and exits 2", async () => {
    for (const [args, help] of [[['import'], 'ferry import --help'], [['images', 'tag', 'a'], 'ferry images tag --help'], [['images'], 'ferry images --help']] as const) {
      const result = await runFerry([...args]);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(new RegExp(`\\(ERR_USAGE\\); see '${help}'\\n$`));
    }
  });

  it('stdin cannot carry both an archive and --creds-file -', async () => {
    const result = await runFerry(['--root', root, 'push', '--creds-file', '-', '-', '127.0.0.1:1/x:1']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^ferry: stdin cannot carry both the archive and --creds-file -; .*\(ERR_USAGE\)\n$/);
  });

  it('an invalid platform string exits 2; explain --strict with no exact match exits 1', async () => {
    const bad = await runFerry(['--root', root, 'platforms', 'explain', 'linux/arm/v7/extra', '--against', NAME]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('ERR_INVALID_PLATFORM');
    const none = await runFerry(['--root', root, 'platforms', 'explain', '--strict', 'linux/riscv64', '--against', NAME]);
    expect(none.code).toBe(1);
    const found = await runFerry(['--root', root, 'platforms', 'explain', '--strict', 'linux/arm64', '--against', NAME]);
    expect(found.code, found.stderr).toBe(0);
  });

  it('help: examples stay on one line, unpack describes its arguments, --root names the last fallback', async () => {
    const help = await runFerry(['unpack', '--help'], { env: { COLUMNS: '80' } });
    expect(help.stdout).toMatch(/ferry unpack --platform linux\/arm64 alpine:3\.19 \.\/rootfs {2}# the arm64 root filesystem/);
    expect(help.stdout).toMatch(/image +image name in the store/);
    expect(help.stdout).toMatch(/dir +directory to write the root filesystem into/);
    expect(help.stdout.replace(/\s+/g, ' ')).toContain('else ~/.local/share/ferry');
  });
});

describe('operating-system errors get the path and a hint, on one line', () => {
  it('EEXIST: unpacking onto a file', async () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, 'x');
    const result = await runFerry(['--root', root, 'unpack', '--platform', 'linux/amd64', NAME, file]);
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain(file);
    expect(result.stderr).toMatch(/; .*(remove it|choose another|not a directory|a directory|new or empty directory)/);
  });

  it('ENOENT: artifact pack of a missing file', async () => {
    const missing = join(dir, 'weights.bin');
    const result = await runFerry(['--root', root, 'artifact', 'pack', 'acme/model:1', missing]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(new RegExp(`^ferry: .*${missing.replace(/[/.]/g, '\\$&')}.*; check the path \\(ENOENT\\)\\n$`));
  });

  it('EPIPE: export - | head ends with a one-line explanation, not a stack', () => {
    const script = `"${process.execPath}" "${BIN}" --root "${root}" export --all-platforms - ${NAME} | head -c 1000 >/dev/null; exit \${PIPESTATUS[0]}`;
    const result = spawnSync('bash', ['-c', script], { encoding: 'utf8' });
    expect(result.stderr).toMatch(/^ferry: .*\| head\?.*\(EPIPE\)\n$/);
    expect(result.status).toBe(1);
  });
});

