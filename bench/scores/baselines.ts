// The simple baselines the quality table must beat, on the same carved splits:
//   STS-B  word overlap: Pearson of the Jaccard similarity of the two sentences' word sets with the gold score
//   SST-2  bag-of-words logistic regression: binary unigram features, scikit-learn's default L2 penalty,
//          trained to convergence on the training phrases, scored on the validation sentences
// node dist/bench/scores/baselines.js SPLITS_DIR → one JSON line. Nothing here is tuned on validation:
// the regulariser and the number of passes are fixed in advance.
import { join } from 'node:path';
import { accuracy, pearson } from '../../src/data/tasks/metrics.js';
import { readTable } from '../../src/data/tasks/table.js';

const [splitsDir] = process.argv.slice(2);
if (!splitsDir) throw new Error('usage: baselines.js SPLITS_DIR');

const words = (text: string): string[] => text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];

function jaccard(a: string, b: string): number {
  const left = new Set(words(a));
  const right = new Set(words(b));
  let shared = 0;
  for (const word of left) if (right.has(word)) shared++;
  const union = left.size + right.size - shared;
  return union === 0 ? 0 : shared / union;
}

async function wordOverlapPearson(): Promise<number> {
  const table = await readTable(join(splitsDir, 'stsb-validation.tsv'));
  return pearson(table.rows.map((row) => jaccard(row.cells.sentence1!, row.cells.sentence2!)), table.rows.map((row) => Number(row.cells.score)));
}

/** Binary unigram features of a text: sorted unique feature indices (the vocabulary grows during training only). */
function features(text: string, index: Map<string, number>, grow: boolean): number[] {
  const ids = new Set<number>();
  for (const word of words(text)) {
    let id = index.get(word);
    if (id === undefined && grow) index.set(word, (id = index.size));
    if (id !== undefined) ids.add(id);
  }
  return [...ids];
}

async function bagOfWordsAccuracy(): Promise<number> {
  const train = await readTable(join(splitsDir, 'sst2-train.tsv'));
  const validation = await readTable(join(splitsDir, 'sst2-validation.tsv'));
  const index = new Map<string, number>();
  const trainX = train.rows.map((row) => features(row.cells.sentence!, index, true));
  const trainY = train.rows.map((row) => Number(row.cells.label));
  // scikit-learn's LogisticRegression defaults: C = 1, i.e. minimise Σ log-loss + ½‖w‖² (bias not
  // penalised), here divided by n and solved by full-batch gradient descent with Nesterov momentum until
  // the gradient's norm falls under 1e-5.
  const n = trainX.length;
  const l2 = 1 / n;
  const weights = new Float64Array(index.size + 1); // the last one is the bias
  const velocity = new Float64Array(weights.length);
  const lookahead = new Float64Array(weights.length);
  const gradient = new Float64Array(weights.length);
  const learningRate = 2;
  const momentum = 0.9;
  const bias = index.size;
  for (let pass = 0; pass < 5000; pass++) {
    for (let id = 0; id < weights.length; id++) lookahead[id] = weights[id]! + momentum * velocity[id]!;
    gradient.fill(0);
    for (let i = 0; i < n; i++) {
      let logit = lookahead[bias]!;
      for (const id of trainX[i]!) logit += lookahead[id]!;
      const error = 1 / (1 + Math.exp(-logit)) - trainY[i]!;
      for (const id of trainX[i]!) gradient[id]! += error;
      gradient[bias]! += error;
    }
    let norm = 0;
    for (let id = 0; id < weights.length; id++) {
      gradient[id] = gradient[id]! / n + (id === bias ? 0 : l2 * lookahead[id]!);
      norm += gradient[id]! ** 2;
      velocity[id] = momentum * velocity[id]! - learningRate * gradient[id]!;
      weights[id]! += velocity[id]!;
    }
    if (Math.sqrt(norm) < 1e-5) break;
  }
  const predictions = validation.rows.map((row) => {
    let logit = weights[index.size]!;
    for (const id of features(row.cells.sentence!, index, false)) logit += weights[id]!;
    return logit > 0 ? 1 : 0;
  });
  return accuracy(predictions, validation.rows.map((row) => Number(row.cells.label)));
}

console.log(JSON.stringify({ stsb_word_overlap_pearson: await wordOverlapPearson(), sst2_bag_of_words_accuracy: await bagOfWordsAccuracy() }));
