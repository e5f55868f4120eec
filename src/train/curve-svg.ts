// The pretraining curve: training loss per step (and its running mean) and held-out MLM loss at each
// evaluation on the left axis; held-out MLM accuracy, the pair task's (NSP or sentence order) and
// ELECTRA's discriminator AUC on the right axis (0–1).
import { writeFileAtomic } from '../io/atomic-write.js';
import { type ChartSeries, chartSvg, trainingLossSeries } from './svg-chart.js';
import type { TrainLogEntry } from './engine/training-log.js';
import type { MlmEvalLogEntry } from './pretrain.js';

/** Scores some runs' evaluations have, drawn on the right axis when present. */
const RIGHT_AXIS_EXTRAS = [
  { field: 'nsp_accuracy', name: 'NSP accuracy', color: '#756bb1', dash: '2,2' },
  { field: 'sentence_order_accuracy', name: 'sentence-order accuracy', color: '#756bb1', dash: '2,2' },
  { field: 'disc_auc', name: 'discriminator AUC', color: '#dd1c77', dash: '6,2' },
] as const;

/** A pretraining run's log.jsonl entries. */
export type PretrainingLogEntry = TrainLogEntry | MlmEvalLogEntry;

export function trainingCurveSvg(entries: readonly PretrainingLogEntry[]): string {
  const train = entries.filter((e) => e.kind === 'train');
  const evals = entries.filter((e) => e.kind === 'eval');
  const series: ChartSeries[] = trainingLossSeries(train);
  const legend: [string, string][] = [['#08519c', 'training loss']];
  if (evals.length > 0) {
    legend.push(['#e6550d', 'held-out MLM loss'], ['#31a354', 'MLM accuracy']);
    series.push(
      { points: evals.map((e) => [e.step, e.mlm_loss] as const), axis: 'left', color: '#e6550d', title: 'held-out MLM loss', dots: true },
      { points: evals.map((e) => [e.step, e.mlm_accuracy] as const), axis: 'right', color: '#31a354', dash: '5,3', title: 'held-out MLM accuracy' },
    );
    for (const extra of RIGHT_AXIS_EXTRAS) {
      // NaN (an AUC without both classes) is logged as null: no point there.
      const measured = evals.filter((e) => typeof e[extra.field] === 'number' && Number.isFinite(e[extra.field]));
      if (measured.length === 0) continue;
      series.push({ points: measured.map((e) => [e.step, e[extra.field]!] as const), axis: 'right', color: extra.color, dash: extra.dash, title: `held-out ${extra.name}` });
      legend.push([extra.color, extra.name]);
    }
  }
  return chartSvg({
    title: 'bertkit pretraining',
    xLabel: 'step',
    leftLabel: 'loss',
    ...(evals.length > 0 ? { right: { label: 'accuracy', low: 0, high: 1 } } : {}),
    series,
    legend,
  });
}

export function writeTrainingCurve(path: string, entries: readonly PretrainingLogEntry[]): void {
  writeFileAtomic(path, Buffer.from(trainingCurveSvg(entries), 'utf8'));
}
