// Progress bars for long CLI jobs, on stderr so that stdout stays clean for results.
// Silent when stderr is not a terminal (CI logs, pipes) or when the user asked for --quiet.
import cliProgress from 'cli-progress';
import { trackProgress } from '../recipes/progress.js';

export interface ProgressOptions {
  /** Draw nothing. */
  quiet?: boolean;
  /** Where to draw (default process.stderr); nothing is drawn unless it is a TTY. */
  stream?: NodeJS.WriteStream;
}

export interface ProgressBarSpec {
  label: string;
  total: number;
  /** `bytes` shows values as KB/MB; otherwise values are counts of `unit` (e.g. 'lines', 'merges'). */
  unit: string;
}

/** One bar showing value/total, rate and ETA. `update` is cheap; the bar redraws at most 10 times a second. */
export class ProgressBar {
  private bar: cliProgress.SingleBar | null;

  constructor(spec: ProgressBarSpec, options: ProgressOptions = {}) {
    const stream = options.stream ?? process.stderr;
    if (options.quiet || !stream.isTTY) {
      this.bar = null;
      return;
    }
    const show = spec.unit === 'bytes' ? formatBytes : formatCount;
    const suffix = spec.unit === 'bytes' ? '' : ` ${spec.unit}`;
    this.bar = new cliProgress.SingleBar({
      stream,
      hideCursor: true,
      barsize: 24,
      format: (barOptions, params) => {
        const elapsedSeconds = Math.max((Date.now() - params.startTime) / 1000, 1e-3);
        const rate = params.value / elapsedSeconds;
        const remaining = rate > 0 ? (params.total - params.value) / rate : Infinity;
        const bar = cliProgress.Format.BarFormat(params.progress, barOptions);
        return (
          `${spec.label.padEnd(16)} ${bar} ${Math.floor(params.progress * 100)}% | ` +
          `${show(params.value)}/${show(params.total)}${suffix} | ${show(rate)}${suffix}/s | ` +
          `ETA ${formatSeconds(remaining)}`
        );
      },
    });
    this.bar.start(spec.total, 0);
  }

  update(value: number): void {
    this.bar?.update(value);
  }

  setTotal(total: number): void {
    this.bar?.setTotal(total);
  }

  /** Draws the final state and moves to the next line; later calls do nothing. */
  stop(): void {
    this.bar?.stop();
    this.bar = null;
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
