// Progress of a recipe's long phases, reported without drawing anything: the library says which
// task runs and how far it got, and its caller decides how to show it (the CLI draws a bar on stderr).

/** One task whose progress is shown: `done` of `total` `unit`s (e.g. 1,200 steps; 'bytes' shows sizes). */
export interface ProgressTask {
  label: string;
  total: number;
  unit: string;
}

/** The display of one task's progress; the recipe updates it, and stops it when the task ends. */
export interface ProgressTracker {
  update(done: number): void;
  setTotal(total: number): void;
  stop(): void;
}

/** Starts showing a task's progress (the CLI: `(task) => new ProgressBar(task, options)`). */
export type StartProgress = (task: ProgressTask) => ProgressTracker;

/** Shows nothing: the default of a recipe run without a display. */
export const NO_PROGRESS: StartProgress = () => ({ update: () => {}, setTotal: () => {}, stop: () => {} });

/**
 * Runs `task`, a library call that reports `(done, total)` through a callback, with a display that
 * starts at its first report (when the total is known) and stops when the task ends.
 */
export async function trackProgress<T>(
  start: StartProgress, task: Omit<ProgressTask, 'total'>, run: (onProgress: (done: number, total: number) => void) => Promise<T>,
): Promise<T> {
  let tracker: ProgressTracker | undefined;
  try {
    return await run((done, total) => {
      tracker ??= start({ ...task, total });
      tracker.update(done);
    });
  } finally {
    (tracker as ProgressTracker | undefined)?.stop();
  }
}
