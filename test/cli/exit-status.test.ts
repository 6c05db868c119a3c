import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const EXIT = fileURLToPath(new URL('../../dist/cli/exit.js', import.meta.url));
const LOCKFILE = fileURLToPath(new URL('../../node_modules/proper-lockfile/index.js', import.meta.url));

/** Runs `exitWhenDone` in a Node process that also loads proper-lockfile (and with it signal-exit), as ferry does. */
function runScript(body: string) {
  const script = `import ${JSON.stringify(LOCKFILE)};\nimport { exitWhenDone } from ${JSON.stringify(EXIT)};\n${body}`;
  return spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
}

describe('the exit status is set explicitly', () => {
  it('a command still pending when the event loop drains exits 70 with one line, not 0', () => {
    const result = runScript(`await exitWhenDone(() => new Promise(() => {}), () => 'import');`);
    expect(result.stderr).toBe('ferry: internal error: import stopped before finishing (ERR_INTERNAL)\n');
    expect(result.status).toBe(70);
  });

  it('a command that finishes exits with its own status, after its output is written', () => {
    const result = runScript(`await exitWhenDone(async () => { process.stdout.write('x'.repeat(1 << 20)); return 3; }, () => 'export');`);
    expect(result.status).toBe(3);
    expect(result.stdout.length).toBe(1 << 20);
    expect(result.stderr).toBe('');
  });

  it('a stream that never ends makes the command fail, not succeed', () => {
    // The shape of the zstd stall: a pipeline waiting on a stream that will never push again.
    const result = runScript(
      `import { Readable, Writable } from 'node:stream'; import { pipeline } from 'node:stream/promises';\n` +
        `await exitWhenDone(async () => { await pipeline(new Readable({ read() {} }), new Writable({ write(_c, _e, cb) { cb(); } })); return 0; }, () => 'unpack');`,
    );
    expect(result.status).toBe(70);
    expect(result.stderr).toContain('unpack stopped before finishing (ERR_INTERNAL)');
  });
});
