/**
 * Timed runs of one command: wall time from spawn to exit, and peak RSS and CPU time from GNU time (`/usr/bin/time -f '%M %U %S'`,
 * Debian package `time`) when it is installed — else from polling /proc/<pid>/status VmHWM of the direct child.
 * `sync` runs before every measurement so one run's dirty pages are not flushed on the next run's clock; after a
 * deletion, `settleDisk` also waits for the work the deletion queued (discards, journal) to finish.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync, statfsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const GNU_TIME = '/usr/bin/time';
export const rssSource = existsSync(GNU_TIME) ? 'GNU time %M' : '/proc VmHWM polling';

/** Runs `cmd args` once, failing loudly on a non-zero exit. Returns { seconds, rssMB }. */
export async function timed(cmd, args, opts = {}) {
  execFileSync('sync');
  const rssFile = join(tmpdir(), `ferry-bench-rss-${process.pid}`);
  const [file, argv] = existsSync(GNU_TIME) ? [GNU_TIME, ['-f', '%M %U %S', '-o', rssFile, cmd, ...args]] : [cmd, args];
  const started = performance.now();
  const child = spawn(file, argv, { stdio: ['ignore', 'ignore', 'pipe'], cwd: opts.cwd, env: { ...process.env, ...opts.env } });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
  let polledKB = 0;
  const poll = existsSync(GNU_TIME)
    ? undefined
    : setInterval(() => {
        try {
          const match = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
          if (match) polledKB = Math.max(polledKB, Number(match[1]));
        } catch {
          // The process has exited between polls.
        }
      }, 20);
  const code = await new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', resolve);
  });
  const seconds = (performance.now() - started) / 1000;
  if (poll) clearInterval(poll);
  if (code !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${code}: ${stderr.trim()}`);
  let rssKB = polledKB;
  let cpuSeconds;
  if (existsSync(GNU_TIME)) {
    const [kb, user, system] = readFileSync(rssFile, 'utf8').trim().split('\n').pop().split(' ').map(Number);
    rssKB = kb;
    cpuSeconds = user + system;
    rmSync(rssFile, { force: true });
  }
  return { seconds, rssMB: rssKB / 1024, cpuSeconds };
}

const SETTLE_QUIET_MS = 1000;
const SETTLE_POLL_MS = 100;
const SETTLE_LIMIT_MS = 30_000;

/**
 * Waits, untimed, until the disk holding `path` has caught up: `sync`, then /proc/diskstats polled until the
 * device has no I/O in flight and has completed no new write or discard for a second. On ext4 mounted with
 * `discard`, deleting a tree of 72,000 files or a 1.3 GB file queues discards and journal work that would
 * otherwise land on the next timed run. Gives up after 30 s (another process keeps the disk busy) and says so.
 * A path on a device /proc/diskstats does not list (tmpfs, overlay) gets only the sync.
 */
export async function settleDisk(path, log) {
  execFileSync('sync');
  const device = diskOf(path);
  if (!device) return;
  const started = performance.now();
  let last = diskActivity(device);
  let quietSince = started;
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, SETTLE_POLL_MS));
    const now = performance.now();
    const seen = diskActivity(device);
    if (seen.inFlight > 0 || seen.done !== last.done) quietSince = now;
    last = seen;
    if (now - quietSince >= SETTLE_QUIET_MS) return;
    if (now - started >= SETTLE_LIMIT_MS) {
      log(`disk ${device.name} still busy after ${SETTLE_LIMIT_MS / 1000} s (${seen.inFlight} I/Os in flight); going on`);
      return;
    }
  }
}

/** The /proc/diskstats line (major, minor, name) of the block device `path` is on, if it has one. */
function diskOf(path) {
  const dev = statSync(path).dev;
  // Linux's dev_t encoding (glibc's gnu_dev_major / gnu_dev_minor) for the numbers a Number holds exactly.
  const major = Math.floor(dev / 256) & 0xfff;
  const minor = (dev & 0xff) | (Math.floor(dev / 4096) & 0xfff00);
  const line = diskstats().find((fields) => Number(fields[0]) === major && Number(fields[1]) === minor);
  return line ? { major, minor, name: line[2] } : undefined;
}

/** Writes and discards completed so far, and I/Os in flight now, on `device` (Documentation/admin-guide/iostats.rst). */
function diskActivity(device) {
  const fields = diskstats().find((f) => Number(f[0]) === device.major && Number(f[1]) === device.minor) ?? [];
  const writes = Number(fields[7] ?? 0);
  const discards = Number(fields[14] ?? 0);
  return { done: writes + discards, inFlight: Number(fields[11] ?? 0) };
}

function diskstats() {
  return readFileSync('/proc/diskstats', 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => line.trim().split(/\s+/));
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Collects repeated runs per named tool and summarizes them. */
export class Samples {
  runs = new Map();

  add(name, sample) {
    if (!this.runs.has(name)) this.runs.set(name, []);
    this.runs.get(name).push(sample);
  }

  summary(name) {
    const runs = this.runs.get(name);
    if (!runs) return undefined;
    return {
      seconds: median(runs.map((r) => r.seconds)),
      rssMB: Math.max(...runs.map((r) => r.rssMB)),
      // User + system CPU seconds (GNU time): on a shared machine, a steadier measure of the work than wall time.
      cpuSeconds: runs.every((r) => r.cpuSeconds !== undefined) ? median(runs.map((r) => r.cpuSeconds)) : undefined,
      runs: runs.map((r) => Number(r.seconds.toFixed(3))),
    };
  }
}

/** Load average and CPU count: warm-cache runs on a shared machine are only comparable side by side. */
export function machine() {
  const [one, five] = readFileSync('/proc/loadavg', 'utf8').split(' ').map(Number);
  let vitest = 0;
  try {
    vitest = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).split('\n').filter((l) => /vitest/.test(l)).length;
  } catch {
    // ps missing: leave the count at 0.
  }
  return { load1: one, load5: five, vitestProcesses: vitest };
}

/** Bytes free for an unprivileged writer on the filesystem holding `path`. */
export function freeBytes(path) {
  const stats = statfsSync(path);
  return stats.bavail * stats.bsize;
}

/** Bytes a directory tree takes on disk (du). */
export function treeBytes(path) {
  return Number(execFileSync('du', ['-sB1', path], { encoding: 'utf8' }).split('\t')[0]);
}
