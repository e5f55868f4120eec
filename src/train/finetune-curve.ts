// The fine-tuning curve: training loss per update (and its running mean) and the dev loss at each
// evaluation on the left axis; the selection metric on the right axis, with the best evaluation ringed.
import { writeFileAtomic } from '../io/atomic-write.js';
import { chartSvg, trainingLossSeries } from './svg-chart.js';

export interface CurveEvaluation {
  readonly step: number;
  readonly metrics: Readonly<Record<string, number>>;
  readonly improved: boolean;
}

export function finetuneCurveSvg(metric: string, train: readonly { step: number; loss: number }[], evals: readonly CurveEvaluation[]): string {
  const metricValues = evals.map((e) => e.metrics[metric] ?? NaN).filter(Number.isFinite);
  const best = evals[evals.map((e) => e.improved).lastIndexOf(true)];
  const bestValue = best?.metrics[metric];
  return chartSvg({
    title: 'bertkit fine-tuning',
    xLabel: 'update',
    leftLabel: 'loss',
    right: { label: `dev ${metric}`, low: Math.min(0, ...metricValues), high: Math.max(1, ...metricValues) },
    series: [
      ...trainingLossSeries(train),
      { points: evals.map((e) => [e.step, e.metrics.loss ?? NaN] as const), axis: 'left', color: '#e6550d', title: 'dev loss' },
      { points: evals.map((e) => [e.step, e.metrics[metric] ?? NaN] as const), axis: 'right', color: '#31a354', dash: '5,3', title: `dev ${metric}` },
    ],
    ...(best && bestValue !== undefined && Number.isFinite(bestValue)
      ? { rings: [{ step: best.step, value: bestValue, axis: 'right' as const, color: '#31a354', title: `best checkpoint (step ${best.step})` }] }
      : {}),
    legend: [['#08519c', 'training loss'], ['#e6550d', 'dev loss'], ['#31a354', `dev ${metric}`]],
  });
}

export function writeFinetuneCurve(path: string, metric: string, train: readonly { step: number; loss: number }[], evals: readonly CurveEvaluation[]): void {
  writeFileAtomic(path, Buffer.from(finetuneCurveSvg(metric, train, evals), 'utf8'));
}
