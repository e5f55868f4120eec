// The fine-tuning curve as a standalone SVG: training loss per update (and its running mean) and the
// dev loss at each evaluation on the left axis; the selection metric on the right axis, with the
// best evaluation ringed.
import { writeFileAtomic } from '../io/atomic-write.js';

const WIDTH = 720, HEIGHT = 400;
const MARGIN = { left: 60, right: 60, top: 30, bottom: 45 };

export interface CurveEvaluation {
  readonly step: number;
  readonly metrics: Readonly<Record<string, number>>;
  readonly improved: boolean;
}

export function finetuneCurveSvg(metric: string, train: readonly { step: number; loss: number }[], evals: readonly CurveEvaluation[]): string {
  const maxStep = Math.max(1, ...train.map((e) => e.step), ...evals.map((e) => e.step));
  const losses = [...train.map((e) => e.loss), ...evals.map((e) => e.metrics.loss ?? NaN)].filter(Number.isFinite);
  const top = losses.length > 0 ? Math.max(...losses) * 1.05 : 1;
  const metricValues = evals.map((e) => e.metrics[metric] ?? NaN).filter(Number.isFinite);
  const metricLow = Math.min(0, ...metricValues), metricHigh = Math.max(1, ...metricValues);
  const plotW = WIDTH - MARGIN.left - MARGIN.right, plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const x = (step: number): number => MARGIN.left + (step / maxStep) * plotW;
  const yLoss = (loss: number): number => MARGIN.top + plotH * (1 - loss / top);
  const yMetric = (value: number): number => MARGIN.top + plotH * (1 - (value - metricLow) / (metricHigh - metricLow));
  const path = (points: [number, number][]): string => points.filter(([, py]) => Number.isFinite(py)).map(([px, py], i) => `${i === 0 ? 'M' : 'L'}${px.toFixed(1)},${py.toFixed(1)}`).join(' ');
  const window = Math.max(1, Math.round(train.length / 50));
  const smoothed = train.map((entry, i) => {
    const slice = train.slice(Math.max(0, i - window + 1), i + 1);
    return [x(entry.step), yLoss(slice.reduce((sum, e) => sum + e.loss, 0) / slice.length)] as [number, number];
  });
  const ticks = [0, 0.25, 0.5, 0.75, 1];
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="white"/>`,
    `<text x="${WIDTH / 2}" y="18" text-anchor="middle" font-size="14">bertkit fine-tuning</text>`,
    `<line x1="${MARGIN.left}" y1="${MARGIN.top + plotH}" x2="${MARGIN.left + plotW}" y2="${MARGIN.top + plotH}" stroke="black"/>`,
    `<line x1="${MARGIN.left}" y1="${MARGIN.top}" x2="${MARGIN.left}" y2="${MARGIN.top + plotH}" stroke="black"/>`,
    `<line x1="${MARGIN.left + plotW}" y1="${MARGIN.top}" x2="${MARGIN.left + plotW}" y2="${MARGIN.top + plotH}" stroke="black"/>`,
    ...ticks.map((t) => `<text x="${MARGIN.left - 6}" y="${(yLoss(t * top) + 4).toFixed(1)}" text-anchor="end">${(t * top).toFixed(2)}</text>`),
    ...ticks.map((t) => `<text x="${MARGIN.left + plotW + 6}" y="${(yMetric(metricLow + t * (metricHigh - metricLow)) + 4).toFixed(1)}">${(metricLow + t * (metricHigh - metricLow)).toFixed(2)}</text>`),
    ...ticks.map((t) => `<text x="${x(Math.round(t * maxStep)).toFixed(1)}" y="${MARGIN.top + plotH + 16}" text-anchor="middle">${Math.round(t * maxStep)}</text>`),
    `<text x="${MARGIN.left + plotW / 2}" y="${HEIGHT - 8}" text-anchor="middle">update</text>`,
    `<text x="14" y="${MARGIN.top + plotH / 2}" text-anchor="middle" transform="rotate(-90 14 ${MARGIN.top + plotH / 2})">loss</text>`,
    `<text x="${WIDTH - 12}" y="${MARGIN.top + plotH / 2}" text-anchor="middle" transform="rotate(90 ${WIDTH - 12} ${MARGIN.top + plotH / 2})">dev ${metric}</text>`,
    `<path d="${path(train.map((e) => [x(e.step), yLoss(e.loss)]))}" fill="none" stroke="#9ecae1" stroke-width="1"><title>training loss</title></path>`,
    `<path d="${path(smoothed)}" fill="none" stroke="#08519c" stroke-width="2"><title>training loss (running mean)</title></path>`,
    `<path d="${path(evals.map((e) => [x(e.step), yLoss(e.metrics.loss ?? NaN)]))}" fill="none" stroke="#e6550d" stroke-width="2"><title>dev loss</title></path>`,
    `<path d="${path(evals.map((e) => [x(e.step), yMetric(e.metrics[metric] ?? NaN)]))}" fill="none" stroke="#31a354" stroke-width="2" stroke-dasharray="5,3"><title>dev ${metric}</title></path>`,
  ];
  const bestIndex = evals.map((e) => e.improved).lastIndexOf(true);
  if (bestIndex >= 0 && Number.isFinite(evals[bestIndex]!.metrics[metric])) {
    const bestEval = evals[bestIndex]!;
    parts.push(`<circle cx="${x(bestEval.step).toFixed(1)}" cy="${yMetric(bestEval.metrics[metric]!).toFixed(1)}" r="5" fill="none" stroke="#31a354" stroke-width="2"><title>best checkpoint (step ${bestEval.step})</title></circle>`);
  }
  const legend: [string, string][] = [['#08519c', 'training loss'], ['#e6550d', 'dev loss'], ['#31a354', `dev ${metric}`]];
  legend.forEach(([color, label], i) => {
    const ly = MARGIN.top + 10 + i * 16;
    parts.push(`<line x1="${MARGIN.left + plotW - 150}" y1="${ly}" x2="${MARGIN.left + plotW - 130}" y2="${ly}" stroke="${color}" stroke-width="2"/>`,
      `<text x="${MARGIN.left + plotW - 125}" y="${ly + 4}">${label}</text>`);
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

export function writeFinetuneCurve(path: string, metric: string, train: readonly { step: number; loss: number }[], evals: readonly CurveEvaluation[]): void {
  writeFileAtomic(path, Buffer.from(finetuneCurveSvg(metric, train, evals), 'utf8'));
}
