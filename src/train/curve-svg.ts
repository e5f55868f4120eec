// The training curve as a standalone SVG: training loss per step (and its running mean) on the left
// axis, held-out MLM loss at each evaluation on the same axis, MLM accuracy on the right axis (0–1).
import { writeFileAtomic } from '../io/atomic-write.js';
import type { LogEntry } from './training-log.js';

const WIDTH = 720, HEIGHT = 400;
const MARGIN = { left: 60, right: 60, top: 30, bottom: 45 };

export function trainingCurveSvg(entries: readonly LogEntry[]): string {
  const train = entries.filter((e) => e.kind === 'train');
  const evals = entries.filter((e) => e.kind === 'eval');
  const steps = [...train, ...evals].map((e) => e.step);
  const maxStep = Math.max(1, ...steps);
  const losses = [...train.map((e) => e.loss), ...evals.map((e) => e.mlm_loss)].filter(Number.isFinite);
  const top = losses.length > 0 ? Math.max(...losses) * 1.05 : 1;
  const plotW = WIDTH - MARGIN.left - MARGIN.right, plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const x = (step: number): number => MARGIN.left + (step / maxStep) * plotW;
  const yLoss = (loss: number): number => MARGIN.top + plotH * (1 - loss / top);
  const yAccuracy = (accuracy: number): number => MARGIN.top + plotH * (1 - accuracy);
  const path = (points: [number, number][]): string => points.map(([px, py], i) => `${i === 0 ? 'M' : 'L'}${px.toFixed(1)},${py.toFixed(1)}`).join(' ');
  const window = Math.max(1, Math.round(train.length / 50));
  const smoothed = train.map((entry, i) => {
    const from = Math.max(0, i - window + 1);
    const slice = train.slice(from, i + 1);
    return [x(entry.step), yLoss(slice.reduce((sum, e) => sum + e.loss, 0) / slice.length)] as [number, number];
  });
  const ticks = [0, 0.25, 0.5, 0.75, 1];
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="white"/>`,
    `<text x="${WIDTH / 2}" y="18" text-anchor="middle" font-size="14">bertkit pretraining</text>`,
    `<line x1="${MARGIN.left}" y1="${MARGIN.top + plotH}" x2="${MARGIN.left + plotW}" y2="${MARGIN.top + plotH}" stroke="black"/>`,
    `<line x1="${MARGIN.left}" y1="${MARGIN.top}" x2="${MARGIN.left}" y2="${MARGIN.top + plotH}" stroke="black"/>`,
    ...ticks.map((t) => `<text x="${MARGIN.left - 6}" y="${(yLoss(t * top) + 4).toFixed(1)}" text-anchor="end">${(t * top).toFixed(2)}</text>`),
    ...ticks.map((t) => `<text x="${x(t * maxStep)}" y="${MARGIN.top + plotH + 16}" text-anchor="middle">${Math.round(t * maxStep)}</text>`),
    `<text x="${MARGIN.left + plotW / 2}" y="${HEIGHT - 8}" text-anchor="middle">step</text>`,
    `<text x="14" y="${MARGIN.top + plotH / 2}" text-anchor="middle" transform="rotate(-90 14 ${MARGIN.top + plotH / 2})">loss</text>`,
    `<path d="${path(train.map((e) => [x(e.step), yLoss(e.loss)]))}" fill="none" stroke="#9ecae1" stroke-width="1"><title>training loss</title></path>`,
    `<path d="${path(smoothed)}" fill="none" stroke="#08519c" stroke-width="2"><title>training loss (running mean)</title></path>`,
  ];
  if (evals.length > 0) {
    parts.push(
      `<line x1="${MARGIN.left + plotW}" y1="${MARGIN.top}" x2="${MARGIN.left + plotW}" y2="${MARGIN.top + plotH}" stroke="black"/>`,
      ...ticks.map((t) => `<text x="${MARGIN.left + plotW + 6}" y="${(yAccuracy(t) + 4).toFixed(1)}">${t.toFixed(2)}</text>`),
      `<text x="${WIDTH - 12}" y="${MARGIN.top + plotH / 2}" text-anchor="middle" transform="rotate(90 ${WIDTH - 12} ${MARGIN.top + plotH / 2})">accuracy</text>`,
      `<path d="${path(evals.map((e) => [x(e.step), yLoss(e.mlm_loss)]))}" fill="none" stroke="#e6550d" stroke-width="2"><title>held-out MLM loss</title></path>`,
      ...evals.map((e) => `<circle cx="${x(e.step).toFixed(1)}" cy="${yLoss(e.mlm_loss).toFixed(1)}" r="3" fill="#e6550d"/>`),
      `<path d="${path(evals.map((e) => [x(e.step), yAccuracy(e.mlm_accuracy)]))}" fill="none" stroke="#31a354" stroke-width="2" stroke-dasharray="5,3"><title>held-out MLM accuracy</title></path>`,
    );
    const nsp = evals.filter((e) => e.nsp_accuracy !== undefined);
    if (nsp.length > 0) parts.push(`<path d="${path(nsp.map((e) => [x(e.step), yAccuracy(e.nsp_accuracy!)]))}" fill="none" stroke="#756bb1" stroke-width="2" stroke-dasharray="2,2"><title>held-out NSP accuracy</title></path>`);
  }
  const legend: [string, string][] = [['#08519c', 'training loss'], ...(evals.length > 0 ? [['#e6550d', 'held-out MLM loss'], ['#31a354', 'MLM accuracy'], ['#756bb1', 'NSP accuracy']] as [string, string][] : [])];
  legend.forEach(([color, label], i) => {
    const ly = MARGIN.top + 10 + i * 16;
    parts.push(`<line x1="${MARGIN.left + plotW - 150}" y1="${ly}" x2="${MARGIN.left + plotW - 130}" y2="${ly}" stroke="${color}" stroke-width="2"/>`,
      `<text x="${MARGIN.left + plotW - 125}" y="${ly + 4}">${label}</text>`);
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

export function writeTrainingCurve(path: string, entries: readonly LogEntry[]): void {
  writeFileAtomic(path, Buffer.from(trainingCurveSvg(entries), 'utf8'));
}
