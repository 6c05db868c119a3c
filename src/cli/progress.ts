import type { Descriptor } from '../oci/descriptor.js';
import { humanBytes } from './human-bytes.js';

export interface ProgressOptions {
  quiet?: boolean;
}

/** Progress of blobs moving (push, pull, copy, export, merge): a line per blob in flight, as skopeo shows them. */
export interface BlobProgress {
  /** `written`: bytes of this blob so far. */
  update(written: number, desc: Descriptor): void;
  done(): void;
}

/** Progress in phases (reading, unpacking…), each with bytes, rate and, when its total is known, an ETA. */
export interface PhaseProgress {
  /** Starts a phase; the same label again continues it. */
  phase(label: string): void;
  /** `files`: files handled so far in this phase, shown with their rate (small files move few bytes). */
  update(done: number, total?: number, detail?: string, files?: number): void;
  done(): void;
}

/** Blobs shown at once; more in flight are summed up in the last line. */
const SHOWN_BLOBS = 6;

export function blobProgress(verb: string, opts: ProgressOptions, stream: NodeJS.WriteStream = process.stderr): BlobProgress {
  const display = new LiveDisplay(stream, opts);
  const rate = new RateMeter();
  const inFlight = new Map<string, { written: number; size: number }>();
  let finished = 0;
  let total = 0;
  const render = () => {
    const lines = [...inFlight].slice(0, SHOWN_BLOBS).map(([digest, b]) => `  ${shortHex(digest)}  ${humanBytes(b.written)} / ${humanBytes(b.size)}  ${percent(b.written, b.size)}`);
    lines.push(`${verb}: ${finished} blob(s) done, ${inFlight.size} in flight, ${humanBytes(total)}  ${humanBytes(rate.perSecond())}/s`);
    return lines;
  };
  return {
    update(written, desc) {
      if (!display.enabled) return;
      const blob = inFlight.get(desc.digest) ?? { written: 0, size: desc.size };
      total += written - blob.written;
      rate.add(written - blob.written);
      blob.written = written;
      if (written >= desc.size) {
        inFlight.delete(desc.digest);
        finished += 1;
        display.print(`  ${shortHex(desc.digest)}  ${humanBytes(desc.size)}  done`, render);
        return;
      }
      inFlight.set(desc.digest, blob);
      display.draw(render);
    },
    done: () => display.clear(),
  };
}

export function phaseProgress(opts: ProgressOptions, stream: NodeJS.WriteStream = process.stderr): PhaseProgress {
  const display = new LiveDisplay(stream, opts);
  let label = '';
  let rate = new RateMeter();
  let fileRate = new RateMeter();
  let last = 0;
  let lastFiles = 0;
  return {
    phase(next) {
      if (next === label) return;
      // A finished phase stays on screen, so the user sees what took the time.
      if (label !== '') display.print(`${label}: done`, () => []);
      label = next;
      rate = new RateMeter();
      fileRate = new RateMeter();
      last = 0;
      lastFiles = 0;
    },
    update(done, total, detail, files) {
      if (!display.enabled) return;
      rate.add(done - last);
      last = done;
      if (files !== undefined) fileRate.add(files - lastFiles);
      lastFiles = files ?? 0;
      const counted = files === undefined ? '' : `  ${files} files (${Math.round(fileRate.perSecond())}/s)`;
      const perSecond = rate.perSecond();
      const of = total ? ` of ${humanBytes(total)} (${percent(done, total)})` : '';
      const eta = total && perSecond > 0 && done < total ? `  ETA ${duration((total - done) / perSecond)}` : '';
      display.draw(() => [`${label}: ${humanBytes(done)}${of}  ${humanBytes(perSecond)}/s${eta}${detail ? `  ${detail}` : ''}${counted}`]);
    },
    done: () => display.clear(),
  };
}

/**
 * Lines on stderr redrawn in place at most ten times a second, only when stderr is a terminal (never mixed into
 * piped output or JSON), not in CI and not with --quiet; `print` leaves a line above them for good.
 */
class LiveDisplay {
  readonly enabled: boolean;
  private shown = 0;
  private last = 0;

  constructor(
    private readonly stream: NodeJS.WriteStream,
    opts: ProgressOptions,
  ) {
    this.enabled = Boolean(stream.isTTY) && !process.env.CI && !opts.quiet;
  }

  draw(lines: () => string[]): void {
    const now = Date.now();
    if (!this.enabled || now - this.last < 100) return;
    this.last = now;
    this.write(lines());
  }

  print(line: string, lines: () => string[]): void {
    if (!this.enabled) return;
    this.stream.write(`${this.erase()}${line}\n`);
    this.shown = 0;
    this.write(lines());
  }

  clear(): void {
    if (this.enabled && this.shown > 0) this.stream.write(this.erase());
    this.shown = 0;
  }

  private write(lines: string[]): void {
    const width = this.stream.columns || 80;
    // Cut to the terminal's width: a wrapped line would make the cursor arithmetic wrong.
    this.stream.write(`${this.erase()}${lines.map((l) => l.slice(0, width - 1)).join('\n')}`);
    this.shown = lines.length;
  }

  /** Back to the start of the first line drawn, and clear to the end of the screen. */
  private erase(): string {
    if (this.shown === 0) return '';
    return `\r${this.shown > 1 ? `\x1b[${this.shown - 1}A` : ''}\x1b[J`;
  }
}

/** Bytes per second over the last few seconds: an average since the start would hide a stall. */
class RateMeter {
  private readonly samples: { at: number; bytes: number }[] = [];
  private readonly started = Date.now();

  add(bytes: number): void {
    const now = Date.now();
    this.samples.push({ at: now, bytes });
    while (this.samples.length > 0 && now - this.samples[0]!.at > 3000) this.samples.shift();
  }

  perSecond(): number {
    const now = Date.now();
    const since = Math.max(this.samples[0]?.at ?? now, this.started);
    const seconds = Math.max((now - since) / 1000, 0.25);
    return this.samples.reduce((sum, s) => sum + s.bytes, 0) / seconds;
  }
}

function percent(done: number, total: number): string {
  return `${Math.min(100, Math.floor((done / Math.max(total, 1)) * 100))}%`;
}

function duration(seconds: number): string {
  const s = Math.ceil(seconds);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

function shortHex(digest: string): string {
  return digest.slice(digest.indexOf(':') + 1, digest.indexOf(':') + 13);
}
