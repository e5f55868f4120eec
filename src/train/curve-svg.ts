// The pretraining curve: training loss per step (and its running mean) and held-out MLM loss at each
// evaluation on the left axis; held-out MLM and NSP accuracy on the right axis (0–1).
import { writeFileAtomic } from '../io/atomic-write.js';
import { type ChartSeries, chartSvg, trainingLossSeries } from './svg-chart.js';
import type { TrainLogEntry } from './engine/training-log.js';
import type { MlmEvalLogEntry } from './pretrain.js';

/** A pretraining run's log.jsonl entries. */
export type PretrainingLogEntry = TrainLogEntry | MlmEvalLogEntry;

export function trainingCurveSvg(entries: readonly PretrainingLogEntry[]): string {
  const train = entries.filter((e) => e.kind === 'train');
  const evals = entries.filter((e) => e.kind === 'eval');
  const series: ChartSeries[] = trainingLossSeries(train);
  if (evals.length > 0) {
    series.push(
      { points: evals.map((e) => [e.step, e.mlm_loss] as const), axis: 'left', color: '#e6550d', title: 'held-out MLM loss', dots: true },
      { points: evals.map((e) => [e.step, e.mlm_accuracy] as const), axis: 'right', color: '#31a354', dash: '5,3', title: 'held-out MLM accuracy' },
    );
    const nsp = evals.filter((e) => e.nsp_accuracy !== undefined);
    if (nsp.length > 0) series.push({ points: nsp.map((e) => [e.step, e.nsp_accuracy!] as const), axis: 'right', color: '#756bb1', dash: '2,2', title: 'held-out NSP accuracy' });
  }
  return chartSvg({
    title: 'bertkit pretraining',
    xLabel: 'step',
    leftLabel: 'loss',
    ...(evals.length > 0 ? { right: { label: 'accuracy', low: 0, high: 1 } } : {}),
    series,
    legend: [['#08519c', 'training loss'], ...(evals.length > 0 ? [['#e6550d', 'held-out MLM loss'], ['#31a354', 'MLM accuracy'], ['#756bb1', 'NSP accuracy']] as const : [])],
  });
}

export function writeTrainingCurve(path: string, entries: readonly PretrainingLogEntry[]): void {
  writeFileAtomic(path, Buffer.from(trainingCurveSvg(entries), 'utf8'));
}
