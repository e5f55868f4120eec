// The multi-seed report (Dodge et al. 2020; Mosbach et al. 2021): fine-tuning BERT on small data is
// unstable across random seeds, so a result is a distribution: mean ± std, min and max of each dev
// metric over the runs, with the failed runs named. A run failed when it learned nothing: its dev
// predictions collapsed to one class, or its primary metric is no better than a constant predictor's
// (the majority class for classification, the training mean for regression, all 'O' for tagging).
import { writeFileAtomic } from '../../io/atomic-write.js';

export interface SeedRun {
  readonly seed: number;
  /** Where the run's model was saved. */
  readonly dir: string;
  /** Dev metrics of the run's best checkpoint. */
  readonly metrics: Readonly<Record<string, number>>;
  /** The primary metric of a constant predictor on the same dev set (the chance level). */
  readonly chance?: number;
  /** Distinct classes the best checkpoint predicts on the dev set (classification). */
  readonly predictedClasses?: number;
  readonly bestStep: number;
  readonly stoppedEarly: boolean;
}

export interface MetricSummary {
  readonly mean: number;
  /** Sample standard deviation (n − 1), 0 for a single run. */
  readonly std: number;
  readonly min: number;
  readonly max: number;
}

export interface SeedsReport {
  readonly primaryMetric: string;
  readonly runs: readonly (SeedRun & { readonly failed: boolean; readonly failure?: string })[];
  /** Over every run. */
  readonly metrics: Readonly<Record<string, MetricSummary>>;
  /** Over the runs that did not fail (absent when all failed). */
  readonly metricsWithoutFailed?: Readonly<Record<string, MetricSummary>>;
  readonly failedSeeds: readonly number[];
  readonly bestSeed: number;
}

/** Why a run counts as failed, or undefined when it did not fail. */
export function failureOf(run: SeedRun, primaryMetric: string): string | undefined {
  const value = run.metrics[primaryMetric];
  if (value === undefined || !Number.isFinite(value)) return `${primaryMetric} is ${value}`;
  if (run.predictedClasses === 1) return 'predicts a single class for every dev example';
  const noBetter = lowerIsBetter(primaryMetric) ? value >= (run.chance ?? Infinity) - 1e-9 : value <= (run.chance ?? -Infinity) + 1e-9;
  if (run.chance !== undefined && noBetter) return `${primaryMetric} ${round(value)} is no better than chance (${round(run.chance)})`;
  return undefined;
}

export function summarize(values: readonly number[]): MetricSummary {
  const mean = values.reduce((sum, v) => sum + v, 0) / values.length;
  const variance = values.length > 1 ? values.reduce((sum, v) => sum + (v - mean) ** 2, 0) / (values.length - 1) : 0;
  return { mean, std: Math.sqrt(variance), min: Math.min(...values), max: Math.max(...values) };
}

function summarizeRuns(runs: readonly SeedRun[]): Record<string, MetricSummary> {
  const names = [...new Set(runs.flatMap((run) => Object.keys(run.metrics)))].sort();
  const summaries: Record<string, MetricSummary> = {};
  for (const name of names) {
    const values = runs.map((run) => run.metrics[name]).filter((v): v is number => v !== undefined && Number.isFinite(v));
    if (values.length > 0) summaries[name] = summarize(values);
  }
  return summaries;
}

/** Losses and errors (loss, mse, mae, rmse) are better low; every other metric is better high. */
export function lowerIsBetter(metric: string): boolean {
  return /(^|_)(loss|mse|mae|rmse)$/.test(metric);
}

export function seedsReport(runs: readonly SeedRun[], primaryMetric: string): SeedsReport {
  if (runs.length === 0) throw new Error('seedsReport: no runs');
  const judged = runs.map((run) => {
    const failure = failureOf(run, primaryMetric);
    return { ...run, failed: failure !== undefined, ...(failure === undefined ? {} : { failure }) };
  });
  const sign = lowerIsBetter(primaryMetric) ? -1 : 1;
  const score = (run: SeedRun): number => {
    const value = run.metrics[primaryMetric];
    return value !== undefined && Number.isFinite(value) ? sign * value : -Infinity;
  };
  const best = judged.reduce((a, b) => (score(b) > score(a) ? b : a));
  const succeeded = judged.filter((run) => !run.failed);
  return {
    primaryMetric,
    runs: judged,
    metrics: summarizeRuns(judged),
    ...(succeeded.length > 0 ? { metricsWithoutFailed: summarizeRuns(succeeded) } : {}),
    failedSeeds: judged.filter((run) => run.failed).map((run) => run.seed),
    bestSeed: best.seed,
  };
}

export function seedsReportMarkdown(report: SeedsReport): string {
  const lines = [
    `# Fine-tuning over ${report.runs.length} seeds`,
    '',
    `Primary metric: ${report.primaryMetric}. Best seed: ${report.bestSeed}. Failed runs: ${report.failedSeeds.length === 0 ? 'none' : report.failedSeeds.join(', ')}.`,
    '',
    '| metric | mean ± std | min | max |',
    '|---|---|---|---|',
    ...Object.entries(report.metrics).map(([name, s]) => `| ${name} | ${round(s.mean)} ± ${round(s.std)} | ${round(s.min)} | ${round(s.max)} |`),
  ];
  if (report.metricsWithoutFailed && report.failedSeeds.length > 0) {
    lines.push('', 'Without the failed runs:', '', '| metric | mean ± std | min | max |', '|---|---|---|---|',
      ...Object.entries(report.metricsWithoutFailed).map(([name, s]) => `| ${name} | ${round(s.mean)} ± ${round(s.std)} | ${round(s.min)} | ${round(s.max)} |`));
  }
  lines.push('', '| seed | ' + report.primaryMetric + ' | best step | early stop | failed | model |', '|---|---|---|---|---|---|',
    ...report.runs.map((run) => `| ${run.seed} | ${round(run.metrics[report.primaryMetric] ?? NaN)} | ${run.bestStep} | ${run.stoppedEarly ? 'yes' : 'no'} | ${run.failed ? `yes: ${run.failure}` : 'no'} | ${run.dir} |`));
  return `${lines.join('\n')}\n`;
}

/** Writes PATH.json and PATH.md. */
export function writeSeedsReport(pathWithoutExtension: string, report: SeedsReport): void {
  writeFileAtomic(`${pathWithoutExtension}.json`, Buffer.from(`${JSON.stringify(report, null, 2)}\n`, 'utf8'));
  writeFileAtomic(`${pathWithoutExtension}.md`, Buffer.from(seedsReportMarkdown(report), 'utf8'));
}

function round(value: number): string {
  return Number.isFinite(value) ? value.toFixed(4) : String(value);
}
