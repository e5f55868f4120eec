// Progress of long CLI jobs, on stderr so that stdout stays clean for results: a bar on a terminal,
// and where stderr is a file or a pipe (logs, CI, nohup) a line every 30 seconds (BERTKIT_PROGRESS_SECONDS)
// and one at the end, so that a run of hours is not silent for hours. Nothing with --quiet.
import cliProgress from 'cli-progress';
import { trackProgress } from '../recipes/progress.js';

export interface ProgressOptions {
  /** Draw nothing. */
  quiet?: boolean;
  /** Where to draw (default process.stderr): a bar on a TTY, else lines. */
  stream?: NodeJS.WriteStream;
  /** Seconds between lines when the stream is not a TTY (default: $BERTKIT_PROGRESS_SECONDS, else 30). */
  lineSeconds?: number;
}

const DEFAULT_LINE_SECONDS = 30;

function lineSecondsOf(options: ProgressOptions): number {
  if (options.lineSeconds !== undefined) return options.lineSeconds;
  const fromEnvironment = Number(process.env.BERTKIT_PROGRESS_SECONDS);
  return process.env.BERTKIT_PROGRESS_SECONDS !== undefined && process.env.BERTKIT_PROGRESS_SECONDS.trim() !== '' && fromEnvironment >= 0 ? fromEnvironment : DEFAULT_LINE_SECONDS;
}

export interface ProgressBarSpec {
  label: string;
  total: number;
  /** `bytes` shows values as KB/MB; otherwise values are counts of `unit` (e.g. 'lines', 'merges'). */
  unit: string;
}

/**
 * One bar showing value/total, rate and ETA (and a detail such as the loss), or on a stream that is not a
 * terminal the same as a line now and then. `update` is cheap; the bar redraws at most 10 times a second.
 */
export class ProgressBar {
  private bar: cliProgress.SingleBar | null = null;
  private lines: ProgressLines | null = null;
  private readonly stream: NodeJS.WriteStream;
  private readonly rate = new RecentRate();

  constructor(spec: ProgressBarSpec, options: ProgressOptions = {}) {
    const stream = options.stream ?? process.stderr;
    this.stream = stream;
    if (options.quiet) return;
    if (!stream.isTTY) {
      this.lines = new ProgressLines(spec, stream, lineSecondsOf(options), this.rate);
      return;
    }
    const show = spec.unit === 'bytes' ? formatBytes : formatCount;
    const suffix = spec.unit === 'bytes' ? '' : ` ${spec.unit}`;
    this.bar = new cliProgress.SingleBar({
      stream,
      hideCursor: true,
      barsize: 24,
      format: (barOptions, params, payload: { detail?: string }) => {
        const rate = this.rate.perSecond();
        const remaining = rate > 0 ? (params.total - params.value) / rate : Infinity;
        const bar = cliProgress.Format.BarFormat(params.progress, barOptions);
        return (
          `${spec.label.padEnd(16)} ${bar} ${Math.floor(params.progress * 100)}% | ` +
          `${show(params.value)}/${show(params.total)}${suffix} | ${show(rate)}${suffix}/s | ` +
          `ETA ${formatSeconds(remaining)}${payload.detail ? ` | ${payload.detail}` : ''}`
        );
      },
    });
    this.bar.start(spec.total, 0, { detail: '' });
  }

  /** `detail`: more to show beside the count (e.g. 'loss 2.3456 | 51,200 tokens/s'). */
  update(value: number, detail?: string): void {
    this.rate.add(value);
    this.bar?.update(value, detail === undefined ? undefined : { detail });
    this.lines?.update(value, detail);
  }

  setTotal(total: number): void {
    this.bar?.setTotal(total);
    this.lines?.setTotal(total);
  }

  /** A message of its own line (above the bar on a terminal, which redraws below it). */
  log(message: string): void {
    this.stream.write(this.bar ? `\r\x1b[K${message}\n` : `${message}\n`);
  }

  /** Draws the final state and moves to the next line; later calls do nothing. */
  stop(): void {
    this.bar?.stop();
    this.bar = null;
    this.lines?.stop();
    this.lines = null;
  }
}

/**
 * Progress as plain lines ('label: 1,200/5,000 steps (24%), 40 steps/s, ETA 1m35s'), at most one every
 * `seconds`, and a last one at stop for a job that ran that long (a short job stays silent).
 */
class ProgressLines {
  private readonly started = Date.now();
  private lastPrinted = Date.now();
  private value = 0;
  private total: number;
  private detail: string | undefined;

  constructor(private readonly spec: ProgressBarSpec, private readonly stream: NodeJS.WriteStream, private readonly seconds: number, private readonly rate: RecentRate) {
    this.total = spec.total;
  }

  update(value: number, detail?: string): void {
    this.value = value;
    if (detail !== undefined) this.detail = detail;
    if (Date.now() - this.lastPrinted >= this.seconds * 1000) this.print(false);
  }

  setTotal(total: number): void {
    this.total = total;
  }

  stop(): void {
    if (this.value > 0 && Date.now() - this.started >= this.seconds * 1000) this.print(true);
  }

  private print(final: boolean): void {
    this.lastPrinted = Date.now();
    const { label, unit } = this.spec;
    const total = this.total;
    const show = unit === 'bytes' ? formatBytes : formatCount;
    const suffix = unit === 'bytes' ? '' : ` ${unit}`;
    const elapsedSeconds = Math.max((Date.now() - this.started) / 1000, 1e-3);
    const rate = this.rate.perSecond();
    const percent = total > 0 ? ` (${Math.floor((100 * this.value) / total)}%)` : '';
    const timing = final ? `in ${formatSeconds(elapsedSeconds)}` : `ETA ${formatSeconds(rate > 0 ? (total - this.value) / rate : Infinity)}`;
    this.stream.write(`${label}: ${show(this.value)}/${show(total)}${suffix}${percent}, ${show(rate)}${suffix}/s, ${timing}${this.detail ? `, ${this.detail}` : ''}\n`);
  }
}

/**
 * The pace of the latest minute of updates, from the first value reported: a run resumed at step 5,000
 * would otherwise show 5,000 steps in its first seconds, and one whose updates change cost (a sequence-length
 * curriculum) an ETA from its cheap start — half the time it needed.
 */
export class RecentRate {
  /** (ms, value) at least `sampleMs` apart, the oldest within `windowMs` of the latest. */
  private readonly samples: { time: number; value: number }[] = [];
  private latest: { time: number; value: number } | undefined;

  constructor(private readonly windowMs = 60_000, private readonly sampleMs = 1000, private readonly now: () => number = Date.now) {}

  add(value: number): void {
    const time = this.now();
    this.latest = { time, value };
    const last = this.samples[this.samples.length - 1];
    if (last === undefined || time - last.time >= this.sampleMs) this.samples.push(this.latest);
    while (this.samples.length > 1 && time - this.samples[1]!.time >= this.windowMs) this.samples.shift();
  }

  /** Values per second over the window; 0 until two reports apart in time. */
  perSecond(): number {
    const first = this.samples[0];
    if (first === undefined || this.latest === undefined || this.latest.time <= first.time) return 0;
    return ((this.latest.value - first.value) * 1000) / (this.latest.time - first.time);
  }
}

/**
 * Runs `run`, a library call that reports `(done, total)` through a callback, with a bar that appears
 * at its first report (when the total is known) and stops when the call ends.
 */
export function withProgressBar<T>(
  spec: Omit<ProgressBarSpec, 'total'>, options: ProgressOptions, run: (onProgress: (done: number, total: number) => void) => Promise<T>,
): Promise<T> {
  return trackProgress((task) => new ProgressBar(task, options), spec, run);
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${Math.round(bytes)} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 ** 2).toFixed(1)} MB`;
  return `${(bytes / 1024 ** 3).toFixed(2)} GB`;
}

function formatCount(count: number): string {
  return Math.round(count).toLocaleString('en-US');
}

function formatSeconds(seconds: number): string {
  if (!Number.isFinite(seconds)) return '--';
  if (seconds < 60) return `${Math.ceil(seconds)}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m${String(Math.ceil(seconds % 60)).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}
