// An arm of the quality-per-hour study is one pretraining recipe; its runs are the pretraining seeds it was run with.
// Two seeds of one bertkit hour differed by more than its fine-tuning seeds did (docs/quality-study.md, "PyTorch's hour at its own
// speed"), so an arm is judged by the mean of its runs and the spread across them, not by one run.
import { summarize, type MetricSummary } from '../../src/train/stability/seeds-report.js';

/** The seed both engines pretrain with by default: WORK_DIR/pretrained/NAME holds it, NAME-seedS holds seed S. */
export const DEFAULT_PRETRAINING_SEED = 42;

export interface PretrainingRun { name: string; seed: number }

/** The runs of arm `arm` among the names in WORK_DIR/pretrained, by seed (`arm` itself, then `arm-seedS`). */
export function armRuns(arm: string, entries: readonly string[]): PretrainingRun[] {
  const prefix = `${arm}-seed`;
  const runs: PretrainingRun[] = [];
  for (const entry of entries) {
    if (entry === arm) runs.push({ name: entry, seed: DEFAULT_PRETRAINING_SEED });
    // digits as quality-per-hour.sh writes them: NAME-seed042 would be a second seed 42
    else if (entry.startsWith(prefix) && /^(0|[1-9]\d*)$/.test(entry.slice(prefix.length))) {
      runs.push({ name: entry, seed: Number(entry.slice(prefix.length)) });
    }
  }
  return runs.sort((a, b) => a.seed - b.seed);
}

/**
 * An arm's rows: each run measured, and `meanOf` its finished runs when there are several (a run still pretraining,
 * or stopped, shows in its own row only). A main arm with no run yet keeps one row, under the name
 * quality-per-hour.sh will give it, so the table shows what is missing; an optional arm without runs has none.
 */
export function armRows<Run extends PretrainingRun & { finished: boolean }, Mean>(
  arm: { name: string; optional?: boolean },
  entries: readonly string[],
  measure: (run: PretrainingRun) => Run,
  meanOf: (finished: readonly Run[]) => Mean,
): { runs: Run[]; mean: (Mean & { runs: number }) | null } {
  const found = armRuns(arm.name, entries);
  const runs = (found.length === 0 && !arm.optional ? [{ name: arm.name, seed: DEFAULT_PRETRAINING_SEED }] : found).map(measure);
  const finished = runs.filter((run) => run.finished);
  return { runs, mean: finished.length > 1 ? { ...meanOf(finished), runs: finished.length } : null };
}

/** Mean ± std (n − 1) across runs of one number per run, the runs that lack it left out; null when none has it. */
export function acrossRuns(values: readonly (number | null | undefined)[]): (MetricSummary & { runs: number }) | null {
  const present = values.filter((value): value is number => typeof value === 'number' && Number.isFinite(value));
  return present.length === 0 ? null : { ...summarize(present), runs: present.length };
}
