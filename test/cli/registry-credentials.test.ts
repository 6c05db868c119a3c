/**
 * Credentials as docker users keep them, against Debian's docker-registry (package `docker-registry`) with
 * htpasswd auth: config.json `auths`, `credsStore` and `credHelpers` (a docker-credential-* script on PATH), and
 * --creds-file from a file or stdin. Skipped locally with a message when the package is missing; fails in CI.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ociLayoutTar } from '../helpers/archive-fixtures.js';
import { runFerry } from '../helpers/cli.js';
import { buildImage, FOUR_PLATFORMS } from '../helpers/image-builder.js';
import { describeInterop, REGISTRY_NEED } from '../interop/harness/requirements.js';
import { startRegistry, type RunningRegistry } from '../registry/registry-server.js';

const USER = 'alice';
const PASSWORD = 'pa:ss w0rd';
const NAME = 'docker.io/library/creds:1';

describeInterop('registry credentials', [REGISTRY_NEED], () => {
  let registry: RunningRegistry;
  let dir: string;
  let root: string;
  let bin: string;

  beforeAll(async () => {
    registry = await startRegistry({ htpasswd: `${USER}:${bcrypt.hashSync(PASSWORD, 5)}\n` });
    dir = mkdtempSync(join(tmpdir(), 'ferry-creds-'));
    root = join(dir, 'store');
    bin = join(dir, 'bin');
    mkdirSync(bin);
    const image = await buildImage({ platforms: FOUR_PLATFORMS, seed: 'creds', padding: 128 * 1024 });
    writeFileSync(join(dir, 'four.tar'), await ociLayoutTar({ images: [{ image, containerdName: NAME }] }));
    expect((await runFerry(['--root', root, 'import', '--all-platforms', '--no-unpack', join(dir, 'four.tar')])).code).toBe(0);
    // A credential helper as docker runs it: the server on stdin, JSON on stdout; it logs what it was asked.
    for (const helper of ['teststore', 'testhelper']) {
      const script = join(bin, `docker-credential-${helper}`);
      writeFileSync(
        script,
        `#!/bin/sh\n[ "$1" = get ] || exit 1\nread server\necho "$server" >> "${dir}/${helper}.log"\n` +
          `[ "$server" = "${registry.host}" ] || { echo "credentials not found in native keychain"; exit 1; }\n` +
          `printf '{"ServerURL":"%s","Username":"${USER}","Secret":"${PASSWORD}"}' "$server"\n`,
      );
      chmodSync(script, 0o755);
    }
  });
  afterAll(async () => {
    await registry?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Pushes with a docker config dir holding `config`, helpers on PATH. */
  const push = (tag: string, config: object | undefined, extra: string[] = [], stdin?: string) => {
    const configDir = join(dir, `config-${tag}`);
    mkdirSync(configDir, { recursive: true });
    if (config) writeFileSync(join(configDir, 'config.json'), JSON.stringify(config));
    return runFerry(['--root', root, 'push', '--all-platforms', ...extra, NAME, `${registry.host}/team/creds:${tag}`], {
      env: { DOCKER_CONFIG: configDir, PATH: `${bin}:${process.env.PATH}` },
      ...(stdin === undefined ? {} : { stdin: Buffer.from(stdin) }),
    });
  };

  it('without credentials the push is refused with a hint', async () => {
    const result = await push('anon', undefined);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/ERR_UNAUTHORIZED/);
    expect(result.stderr).toMatch(/--creds-file/);
  });

  it('uses auths.<registry>.auth of config.json', async () => {
    const auth = Buffer.from(`${USER}:${PASSWORD}`).toString('base64');
    const result = await push('auths', { auths: { [`http://${registry.host}`]: { auth } } });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^pushed .*creds:auths/);
  });

  it('runs the credsStore helper, which answers for this registry', async () => {
    const result = await push('store', { credsStore: 'teststore', auths: { [registry.host]: {} } });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^pushed /);
  });

  it('a credHelpers entry for the registry wins over credsStore', async () => {
    rmSync(join(dir, 'testhelper.log'), { force: true });
    const result = await push('helper', { credsStore: 'missing-store', credHelpers: { [registry.host]: 'testhelper' } });
    expect(result.code, result.stderr).toBe(0);
  });

  it('a helper that is not installed means no credentials (as a stale credsStore must not break anonymous pulls)', async () => {
    const result = await push('nohelper', { credsStore: 'nosuch' });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^ferry: .*credential helpers.*\(ERR_UNAUTHORIZED\)\n$/);
    const withAuths = await push('nohelper-auths', { credsStore: 'nosuch', auths: { [registry.host]: { auth: Buffer.from(`${USER}:${PASSWORD}`).toString('base64') } } });
    expect(withAuths.code, withAuths.stderr).toBe(0);
  });

  it('--creds-file reads USER:PASSWORD from a file, or from stdin with -', async () => {
    const file = join(dir, 'creds.txt');
    writeFileSync(file, `${USER}:${PASSWORD}\n`, { mode: 0o600 });
    const fromFile = await push('file', undefined, ['--creds-file', file]);
    expect(fromFile.code, fromFile.stderr).toBe(0);
    const fromStdin = await push('stdin', undefined, ['--creds-file', '-'], `${USER}:${PASSWORD}\n`);
    expect(fromStdin.code, fromStdin.stderr).toBe(0);
    const wrong = await push('wrong', undefined, ['--creds-file', '-'], `${USER}:nope\n`);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/ERR_UNAUTHORIZED/);
  });
});
