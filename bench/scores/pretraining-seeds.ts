// An arm of the quality-per-hour study is one pretraining recipe; its runs are the pretraining seeds it was run with.
// Two seeds of one bertkit hour differed by more than its fine-tuning seeds did (README, "PyTorch's hour at its own
// speed"), so an arm is judged by the mean of its runs and the spread across them, not by one run.
import { summarize, type MetricSummary } from '../../src/train/stability/seeds-report.js';

/** The seed both engines pretrain with by default: WORK_DIR/pretrained/NAME holds it, NAME-seedS holds seed S. */
export const DEFAULT_PRETRAINING_SEED = 42;

export interface PretrainingRun { name: string; seed: number }

/** The runs of arm `arm` among the names in WORK_DIR/pretrained, by seed (`arm` itself, then `arm-seedS`). */
export function armRuns(arm: string, entries: readonly string[]): PretrainingRun[] {
  const runs: PretrainingRun[] = [];
  for (const entry of entries) {
    if (entry === arm) runs.push({ name: entry, seed: DEFAULT_PRETRAINING_SEED });
    else if (entry.startsWith(`${arm}-seed`) && /^\d+$/.test(entry.slice(arm.length + 5))) {
      runs.push({ name: entry, seed: Number(entry.slice(arm.length + 5)) });
    }
  }
  return runs.sort((a, b) => a.seed - b.seed);
}

/** Mean ± std (n − 1) across runs of one number per run, the runs that lack it left out; null when none has it. */
export function acrossRuns(values: readonly (number | null | undefined)[]): (MetricSummary & { runs: number }) | null {
  const present = values.filter((value): value is number => typeof value === 'number' && Number.isFinite(value));
  return present.length === 0 ? null : { ...summarize(present), runs: present.length };
}
