// Evaluation metrics for fine-tuning tasks: pure functions over predictions and gold values.
// Each follows a named reference (scikit-learn, scipy, seqeval/conlleval, the SQuAD v1.1 script).

/** Fraction of positions where prediction equals gold. */
export function accuracy(predictions: ArrayLike<number>, golds: ArrayLike<number>): number {
  checkSameLength(predictions, golds);
  if (golds.length === 0) return 0;
  let correct = 0;
  for (let i = 0; i < golds.length; i++) if (predictions[i] === golds[i]) correct++;
  return correct / golds.length;
}

export interface PrecisionRecallF1 {
  precision: number;
  recall: number;
  f1: number;
  /** Gold items of this class or type. */
  support: number;
}

/** P/R/F1 from counts; 0 where a denominator is 0 (scikit-learn's zero_division=0, seqeval's default). */
export function precisionRecallF1(truePositives: number, predicted: number, gold: number): PrecisionRecallF1 {
  const precision = predicted === 0 ? 0 : truePositives / predicted;
  const recall = gold === 0 ? 0 : truePositives / gold;
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { precision, recall, f1, support: gold };
}

/** Per-class P/R/F1 of single-label predictions (class ids 0..numClasses-1). */
export function perClassF1(predictions: ArrayLike<number>, golds: ArrayLike<number>, numClasses: number): PrecisionRecallF1[] {
  checkSameLength(predictions, golds);
  const truePositives = new Array<number>(numClasses).fill(0);
  const predicted = new Array<number>(numClasses).fill(0);
  const gold = new Array<number>(numClasses).fill(0);
  for (let i = 0; i < golds.length; i++) {
    predicted[predictions[i]!]++;
    gold[golds[i]!]++;
    if (predictions[i] === golds[i]) truePositives[golds[i]!]++;
  }
  return truePositives.map((tp, c) => precisionRecallF1(tp, predicted[c]!, gold[c]!));
}

/** Unweighted mean of the per-class F1 over the classes that occur in gold or predictions (scikit-learn's f1_score(average='macro')). */
export function macroF1(predictions: ArrayLike<number>, golds: ArrayLike<number>, numClasses: number): number {
  const perClass = perClassF1(predictions, golds, numClasses);
  const present = new Set<number>([...Array.from(golds), ...Array.from(predictions)]);
  if (present.size === 0) return 0;
  let sum = 0;
  for (const c of present) sum += perClass[c]!.f1;
  return sum / present.size;
}

/** F1 from counts summed over classes; for single-label predictions this equals accuracy. */
export function microF1(predictions: ArrayLike<number>, golds: ArrayLike<number>): number {
  return accuracy(predictions, golds);
}

/** F1 of one class against the rest (GLUE's MRPC/QQP 'f1', positive class 1). */
export function binaryF1(predictions: ArrayLike<number>, golds: ArrayLike<number>, positiveClass = 1): number {
  checkSameLength(predictions, golds);
  let tp = 0;
  let predicted = 0;
  let gold = 0;
  for (let i = 0; i < golds.length; i++) {
    if (predictions[i] === positiveClass) predicted++;
    if (golds[i] === positiveClass) gold++;
    if (predictions[i] === positiveClass && golds[i] === positiveClass) tp++;
  }
  return precisionRecallF1(tp, predicted, gold).f1;
}

/** Micro and macro F1 of multi-label predictions: rows of 0/1 per label. */
export function multiLabelF1(predictions: readonly ArrayLike<number>[], golds: readonly ArrayLike<number>[]): { microF1: number; macroF1: number; subsetAccuracy: number } {
  checkSameLength(predictions, golds);
  const numLabels = golds[0]?.length ?? 0;
  const tp = new Array<number>(numLabels).fill(0);
  const predicted = new Array<number>(numLabels).fill(0);
  const gold = new Array<number>(numLabels).fill(0);
  let exact = 0;
  for (let i = 0; i < golds.length; i++) {
    let same = true;
    for (let l = 0; l < numLabels; l++) {
      const p = predictions[i]![l]! > 0.5;
      const g = golds[i]![l]! > 0.5;
      if (p) predicted[l]++;
      if (g) gold[l]++;
      if (p && g) tp[l]++;
      if (p !== g) same = false;
    }
    if (same) exact++;
  }
  const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
  const macro = numLabels === 0 ? 0 : sum(tp.map((t, l) => precisionRecallF1(t, predicted[l]!, gold[l]!).f1)) / numLabels;
  return {
    microF1: precisionRecallF1(sum(tp), sum(predicted), sum(gold)).f1,
    macroF1: macro,
    subsetAccuracy: golds.length === 0 ? 0 : exact / golds.length,
  };
}

/** Matthews correlation coefficient, multi-class (scikit-learn's matthews_corrcoef; 0 when undefined). */
export function matthewsCorrelation(predictions: ArrayLike<number>, golds: ArrayLike<number>, numClasses: number): number {
  checkSameLength(predictions, golds);
  const predictedPerClass = new Array<number>(numClasses).fill(0);
  const goldPerClass = new Array<number>(numClasses).fill(0);
  let correct = 0;
  const samples = golds.length;
  for (let i = 0; i < samples; i++) {
    predictedPerClass[predictions[i]!]++;
    goldPerClass[golds[i]!]++;
    if (predictions[i] === golds[i]) correct++;
  }
  let predictedDotGold = 0;
  let predictedSquares = 0;
  let goldSquares = 0;
  for (let c = 0; c < numClasses; c++) {
    predictedDotGold += predictedPerClass[c]! * goldPerClass[c]!;
    predictedSquares += predictedPerClass[c]! ** 2;
    goldSquares += goldPerClass[c]! ** 2;
  }
  const covariance = correct * samples - predictedDotGold;
  const denominator = Math.sqrt((samples * samples - predictedSquares) * (samples * samples - goldSquares));
  return denominator === 0 ? 0 : covariance / denominator;
}

/** Pearson's correlation coefficient (NaN when either side is constant, as scipy). */
export function pearson(xs: ArrayLike<number>, ys: ArrayLike<number>): number {
  checkSameLength(xs, ys);
  const n = xs.length;
  let meanX = 0;
  let meanY = 0;
  for (let i = 0; i < n; i++) {
    meanX += xs[i]!;
    meanY += ys[i]!;
  }
  meanX /= n;
  meanY /= n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = xs[i]! - meanX;
    const dy = ys[i]! - meanY;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  return sxy / Math.sqrt(sxx * syy);
}

/** Ranks 1..n, tied values sharing the mean of their ranks (scipy.stats.rankdata(method='average')). */
export function averageRanks(values: ArrayLike<number>): Float64Array {
  const order = Array.from({ length: values.length }, (_, i) => i).sort((a, b) => values[a]! - values[b]!);
  const ranks = new Float64Array(values.length);
  for (let start = 0; start < order.length; ) {
    let end = start + 1;
    while (end < order.length && values[order[end]!] === values[order[start]!]) end++;
    const rank = (start + 1 + end) / 2;
    for (let k = start; k < end; k++) ranks[order[k]!] = rank;
    start = end;
  }
  return ranks;
}

/** Spearman's rank correlation: Pearson's over average ranks (scipy.stats.spearmanr). */
export function spearman(xs: ArrayLike<number>, ys: ArrayLike<number>): number {
  checkSameLength(xs, ys);
  return pearson(averageRanks(xs), averageRanks(ys));
}

export function meanSquaredError(predictions: ArrayLike<number>, golds: ArrayLike<number>): number {
  checkSameLength(predictions, golds);
  let sum = 0;
  for (let i = 0; i < golds.length; i++) sum += (predictions[i]! - golds[i]!) ** 2;
  return golds.length === 0 ? 0 : sum / golds.length;
}

function checkSameLength(a: ArrayLike<unknown>, b: ArrayLike<unknown>): void {
  if (a.length !== b.length) throw new Error(`metrics: ${a.length} predictions for ${b.length} gold values`);
}
