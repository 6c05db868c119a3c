import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { Duplex, type Readable, type Writable } from 'node:stream';

/** How a finished program ended, with the tail of what it wrote on stderr. */
export interface ProgramExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
  /** False when the program exited before ferry had given it all the input (it stopped reading). */
  inputEnded: boolean;
  /** Why the program could not be started (it was removed since it was found, say); it then ran nothing. */
  spawnError?: NodeJS.ErrnoException;
}

/** stderr is kept for the error message only; a program that floods it must not grow ferry's memory. */
const STDERR_LIMIT = 4096;
/** Output waiting for the reader before the program's stdout is paused (the pipe then stops the program). */
const OUTPUT_HIGH_WATER = 256 * 1024;

export interface ProgramStageOptions {
  /** Variables removed from the program's environment (read when it starts), so they cannot change its output. */
  unsetEnv?: readonly string[];
  /**
   * Run the program even when no input comes: a compressor must still write its (empty) frame, while a decoder
   * of no input has nothing to say.
   */
  runWithoutInput?: boolean;
}

/**
 * A stream stage that runs `program argv` (no shell; the environment minus `unsetEnv`) and streams what is
 * written to it through the program's stdin and stdout, as moby runs `xz -d -c -q` and containerd `unpigz`.
 * Backpressure holds both ways: a write completes only when the pipe took it, and stdout is paused while the
 * reader is behind, so the program blocks instead of ferry buffering its output. The program starts on the first
 * non-empty write, so a stream with no input runs nothing unless `runWithoutInput` is set. The readable side
 * ends only after the program has exited, and only when it exited 0 after reading all input; otherwise the stage
 * fails with `failure(exit)`. Destroying the stage (the reader stops, the pipeline fails elsewhere, a bound is
 * hit) kills the program and settles once it is gone.
 */
export class ProgramStage extends Duplex {
  private child: ChildProcessByStdio<Writable, Readable, Readable> | undefined;
  /** Settles when the program has exited and its pipes are closed. */
  private gone: Promise<void> = Promise.resolve();
  private exited = false;
  private inputEnded = false;
  /**
   * Set when a write to the program's stdin failed (EPIPE: it stopped reading). Writes to a closed pipe fail at
   * once, so the rest of the input can "end" before the exit is seen: only this says the program missed some.
   */
  private inputRefused = false;
  private stderr = '';
  private spawnError: NodeJS.ErrnoException | undefined;

  constructor(
    private readonly program: string,
    private readonly argv: readonly string[],
    private readonly failure: (exit: ProgramExit) => Error,
    private readonly options: ProgramStageOptions = {},
  ) {
    super({ readableHighWaterMark: OUTPUT_HIGH_WATER });
  }

  /** The running program's pid (undefined before the first write and when it could not start). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    if (chunk.length === 0) return done();
    const child = this.child ?? this.start();
    // EPIPE when the program died or stopped reading: its exit status says why, and 'close' fails the stage.
    child.stdin.write(chunk, (err) => {
      if (err) this.inputRefused = true;
      done();
    });
  }

  override _final(done: (error?: Error | null) => void): void {
    this.inputEnded = true;
    const child = this.child ?? (this.options.runWithoutInput ? this.start() : undefined);
    if (child) child.stdin.end();
    else this.push(null);
    done();
  }

  override _read(): void {
    this.child?.stdout.resume();
  }

  override _destroy(error: Error | null, done: (error?: Error | null) => void): void {
    const child = this.child;
    if (child && !this.exited) {
      // Nothing the program holds is worth keeping once the stage is gone: its only output is this stream.
      child.stdout.destroy();
      child.stdin.destroy();
      child.kill('SIGKILL');
    }
    void this.gone.then(() => done(error));
  }

  private start(): ChildProcessByStdio<Writable, Readable, Readable> {
    const child = spawn(this.program, this.argv, { stdio: ['pipe', 'pipe', 'pipe'], shell: false, env: this.environment() });
    this.child = child;
    this.gone = new Promise((resolve) => {
      child.once('close', (code: number | null, signal: NodeJS.Signals | null) => {
        this.exited = true;
        resolve();
        this.settle({ code, signal, stderr: this.stderr, inputEnded: this.inputEnded && !this.inputRefused, ...(this.spawnError ? { spawnError: this.spawnError } : {}) });
      });
    });
    // A spawn failure (the program vanished since it was found) also ends in 'close', with a negative code.
    child.on('error', (err: NodeJS.ErrnoException) => {
      if (child.pid === undefined) this.spawnError ??= err;
    });
    child.stdin.on('error', () => {
      this.inputRefused = true;
    });
    child.stdout.on('data', (data: Buffer) => {
      if (!this.push(data)) child.stdout.pause();
    });
    child.stderr.on('data', (data: Buffer) => {
      if (this.stderr.length < STDERR_LIMIT) this.stderr = (this.stderr + data.toString('utf8')).slice(0, STDERR_LIMIT);
    });
    return child;
  }

  private environment(): NodeJS.ProcessEnv {
    const env = { ...process.env };
    for (const name of this.options.unsetEnv ?? []) delete env[name];
    return env;
  }

  private settle(exit: ProgramExit): void {
    if (this.destroyed) return;
    if (exit.code === 0 && exit.signal === null && exit.inputEnded && !exit.spawnError) this.push(null);
    else this.destroy(this.failure(exit));
  }
}
