// One picture for every training run: loss against step on the left axis (from a zero baseline),
// optionally a second quantity (accuracy, a dev metric) on the right axis, a legend, and points
// ringed or dotted where evaluations happened. Pretraining and fine-tuning curves are both drawn here.

const WIDTH = 720, HEIGHT = 400;
const MARGIN = { left: 60, right: 60, top: 30, bottom: 45 };
const TICKS = [0, 0.25, 0.5, 0.75, 1];

export interface ChartSeries {
  /** [step, value] pairs; non-finite values are skipped. */
  readonly points: readonly (readonly [number, number])[];
  readonly axis: 'left' | 'right';
  readonly color: string;
  readonly title: string;
  readonly width?: number;
  readonly dash?: string;
  /** A dot at every point (evaluations). */
  readonly dots?: boolean;
}

export interface ChartRing {
  readonly step: number;
  readonly value: number;
  readonly axis: 'left' | 'right';
  readonly color: string;
  readonly title: string;
}

export interface Chart {
  readonly title: string;
  readonly xLabel: string;
  readonly leftLabel: string;
  /** The right axis' label and range; absent: no right axis. */
  readonly right?: { readonly label: string; readonly low: number; readonly high: number };
  readonly series: readonly ChartSeries[];
  readonly rings?: readonly ChartRing[];
  /** [color, label] rows, top right. */
  readonly legend: readonly (readonly [string, string])[];
}

export function chartSvg(chart: Chart): string {
  const all = chart.series.flatMap((s) => s.points);
  const maxStep = Math.max(1, ...all.map(([step]) => step));
  const leftValues = chart.series.filter((s) => s.axis === 'left').flatMap((s) => s.points.map(([, v]) => v)).filter(Number.isFinite);
  const top = leftValues.length > 0 ? Math.max(...leftValues) * 1.05 : 1;
  const plotW = WIDTH - MARGIN.left - MARGIN.right, plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const x = (step: number): number => MARGIN.left + (step / maxStep) * plotW;
  const { low, high } = chart.right ?? { low: 0, high: 1 };
  const y = (value: number, axis: 'left' | 'right'): number =>
    MARGIN.top + plotH * (1 - (axis === 'left' ? value / top : (value - low) / (high - low)));
  const path = (series: ChartSeries): string => series.points
    .filter(([, v]) => Number.isFinite(v))
    .map(([step, v], i) => `${i === 0 ? 'M' : 'L'}${x(step).toFixed(1)},${y(v, series.axis).toFixed(1)}`).join(' ');
  const right = MARGIN.left + plotW, middle = MARGIN.top + plotH / 2;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="white"/>`,
    `<text x="${WIDTH / 2}" y="18" text-anchor="middle" font-size="14">${chart.title}</text>`,
    `<line x1="${MARGIN.left}" y1="${MARGIN.top + plotH}" x2="${right}" y2="${MARGIN.top + plotH}" stroke="black"/>`,
    `<line x1="${MARGIN.left}" y1="${MARGIN.top}" x2="${MARGIN.left}" y2="${MARGIN.top + plotH}" stroke="black"/>`,
    ...TICKS.map((t) => `<text x="${MARGIN.left - 6}" y="${(y(t * top, 'left') + 4).toFixed(1)}" text-anchor="end">${(t * top).toFixed(2)}</text>`),
    ...TICKS.map((t) => `<text x="${x(Math.round(t * maxStep)).toFixed(1)}" y="${MARGIN.top + plotH + 16}" text-anchor="middle">${Math.round(t * maxStep)}</text>`),
    `<text x="${MARGIN.left + plotW / 2}" y="${HEIGHT - 8}" text-anchor="middle">${chart.xLabel}</text>`,
    `<text x="14" y="${middle}" text-anchor="middle" transform="rotate(-90 14 ${middle})">${chart.leftLabel}</text>`,
  ];
  if (chart.right) {
    parts.push(
      `<line x1="${right}" y1="${MARGIN.top}" x2="${right}" y2="${MARGIN.top + plotH}" stroke="black"/>`,
      ...TICKS.map((t) => `<text x="${right + 6}" y="${(y(low + t * (high - low), 'right') + 4).toFixed(1)}">${(low + t * (high - low)).toFixed(2)}</text>`),
      `<text x="${WIDTH - 12}" y="${middle}" text-anchor="middle" transform="rotate(90 ${WIDTH - 12} ${middle})">${chart.right.label}</text>`,
    );
  }
  for (const series of chart.series) {
    const dash = series.dash ? ` stroke-dasharray="${series.dash}"` : '';
    parts.push(`<path d="${path(series)}" fill="none" stroke="${series.color}" stroke-width="${series.width ?? 2}"${dash}><title>${series.title}</title></path>`);
    if (series.dots) {
      for (const [step, v] of series.points) {
        if (Number.isFinite(v)) parts.push(`<circle cx="${x(step).toFixed(1)}" cy="${y(v, series.axis).toFixed(1)}" r="3" fill="${series.color}"/>`);
      }
    }
  }
  for (const ring of chart.rings ?? []) {
    parts.push(`<circle cx="${x(ring.step).toFixed(1)}" cy="${y(ring.value, ring.axis).toFixed(1)}" r="5" fill="none" stroke="${ring.color}" stroke-width="2"><title>${ring.title}</title></circle>`);
  }
  chart.legend.forEach(([color, label], i) => {
    const ly = MARGIN.top + 10 + i * 16;
    parts.push(`<line x1="${right - 150}" y1="${ly}" x2="${right - 130}" y2="${ly}" stroke="${color}" stroke-width="2"/>`,
      `<text x="${right - 125}" y="${ly + 4}">${label}</text>`);
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

/** The training loss as drawn: raw per step, and its running mean over ~1/50 of the run. */
export function trainingLossSeries(train: readonly { step: number; loss: number }[]): ChartSeries[] {
  const window = Math.max(1, Math.round(train.length / 50));
  const smoothed = train.map((entry, i) => {
    const slice = train.slice(Math.max(0, i - window + 1), i + 1);
    return [entry.step, slice.reduce((sum, e) => sum + e.loss, 0) / slice.length] as const;
  });
  return [
    { points: train.map((e) => [e.step, e.loss] as const), axis: 'left', color: '#9ecae1', width: 1, title: 'training loss' },
    { points: smoothed, axis: 'left', color: '#08519c', title: 'training loss (running mean)' },
  ];
}
