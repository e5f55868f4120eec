import { type Dim, formatShape } from './tensor.js';

/** numpy broadcasting; a symbolic dim matches only itself or 1, so gradients know which axes were broadcast. */
export function broadcastShapes(op: string, ...shapes: (readonly Dim[])[]): Dim[] {
  const rank = Math.max(...shapes.map((shape) => shape.length));
  const result: Dim[] = [];
  for (let axis = 0; axis < rank; axis++) {
    let dim: Dim = 1;
    for (const shape of shapes) {
      const other = shape[axis - (rank - shape.length)] ?? 1;
      if (other === 1 || other === dim) continue;
      if (dim !== 1) throw new Error(`${op}: shapes do not broadcast: ${shapes.map(formatShape).join(' vs ')} (axis ${axis}: ${dim} vs ${other})`);
      dim = other;
    }
    result.push(dim);
  }
  return result;
}

export function normalizeAxis(op: string, axis: number, rank: number): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= Math.max(rank, 1)) throw new Error(`${op}: axis ${axis} is out of range for rank ${rank}`);
  return axis < 0 ? axis + rank : axis;
}

export function normalizeAxes(op: string, axes: readonly number[], rank: number): number[] {
  const normalized = axes.map((axis) => normalizeAxis(op, axis, rank));
  if (new Set(normalized).size !== normalized.length) throw new Error(`${op}: axes ${formatShape(axes)} repeat an axis`);
  return normalized.sort((a, b) => a - b);
}

/** The product of dims, as a number when all are static, else as a symbolic expression like 'batch*seq'. */
export function dimProduct(dims: readonly Dim[]): Dim {
  let coefficient = 1;
  const symbols: string[] = [];
  for (const dim of dims) {
    if (typeof dim === 'number') coefficient *= dim;
    else symbols.push(...dim.split('*'));
  }
  return symbolicDim(coefficient, symbols);
}

/** `total / known` for reshape's -1: cancels symbols where it can, else names the quotient ('n/2'). */
export function dimQuotient(op: string, total: Dim, known: readonly Dim[]): Dim {
  let coefficient = 1;
  const symbols: string[] = [];
  for (const factor of String(total).split('*')) {
    if (/^\d+$/.test(factor)) coefficient *= Number(factor);
    else symbols.push(factor);
  }
  let divisor = 1;
  const uncancelled: string[] = [];
  for (const dim of known) {
    for (const factor of String(dim).split('*')) {
      if (/^\d+$/.test(factor)) divisor *= Number(factor);
      else if (symbols.includes(factor)) symbols.splice(symbols.indexOf(factor), 1);
      else uncancelled.push(factor);
    }
  }
  if (uncancelled.length === 0 && coefficient % divisor === 0) return symbolicDim(coefficient / divisor, symbols);
  if (symbols.length === 0 && uncancelled.length === 0) {
    throw new Error(`${op}: cannot infer the -1 dim: ${total} elements do not divide by ${formatShape(known)}`);
  }
  const numerator = symbolicDim(coefficient, symbols);
  const denominator = symbolicDim(divisor, uncancelled);
  return `(${numerator})/(${denominator})`;
}

function symbolicDim(coefficient: number, symbols: string[]): Dim {
  if (symbols.length === 0) return coefficient;
  symbols.sort();
  return (coefficient === 1 ? symbols : [String(coefficient), ...symbols]).join('*');
}
