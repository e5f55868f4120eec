// Held-out evaluation of ELECTRA (google-research/electra's metric_fn): the generator's masked LM
// scored as evaluate-mlm.ts scores any masked LM, then the discriminator judging corrupted held-out
// text. The generator fills each batch's masked positions by sampling from its logits with a
// generator seeded the same at every evaluation, so evaluations at different steps judge the same
// draws of comparable corruptions, and the discriminator reads the result. Scores, over the
// non-padding tokens (the reference also counts padding, as original tokens scored 0, in its AUC):
//   disc_auc              area under the ROC curve of the logits against replaced / original: the
//                         discriminator's ranking, which moves long before its logits cross 0
//   disc_accuracy         tokens judged right (logit > 0 calls a token replaced)
//   disc_precision        replaced among the tokens it calls replaced
//   disc_recall           called replaced among the replaced tokens
//   sampled_mlm_accuracy  masked positions where the sample is the original token (not replaced)
import type { PretrainingBatch } from '../data/pretraining-dataset.js';
import { BertRunner } from '../model/runner.js';
import { Rng } from '../runtime/rng.js';
import type { ElectraConfigs } from './electra-program.js';
import { GENERATOR_HEADS, electraHeads, generatorWeights } from './electra.js';
import { MlmEvaluator, type MlmEvaluation, maskedLabels } from './evaluate-mlm.js';

/** The seed of the evaluation's samples (any fixed number: what matters is that it never changes). */
const SAMPLE_SEED = 20200323;

export interface DiscriminatorEvaluation {
  /** NaN where the held-out tokens hold only one class (no replaced token, or nothing else). */
  readonly discAuc: number;
  readonly discAccuracy: number;
  /** NaN where it calls no token replaced. */
  readonly discPrecision: number;
  /** NaN where no token was replaced. */
  readonly discRecall: number;
  readonly sampledMlmAccuracy: number;
  /** Non-padding tokens judged. */
  readonly judgedTokens: number;
  readonly replacedTokens: number;
}

export interface ElectraEvaluation {
  /** The generator's masked LM. */
  readonly generator: MlmEvaluation;
  readonly discriminator: DiscriminatorEvaluation;
}

export class ElectraEvaluator {
  private constructor(
    private readonly generator: MlmEvaluator,
    private readonly discriminator: BertRunner,
    private readonly configs: ElectraConfigs,
  ) {}

  static async create(configs: ElectraConfigs, options: { threads?: number } = {}): Promise<ElectraEvaluator> {
    const threads = options.threads === undefined ? {} : { threads: options.threads };
    const generator = await MlmEvaluator.create(configs.generator, GENERATOR_HEADS, threads);
    const discriminator = await BertRunner.create({ config: configs.discriminator, heads: electraHeads() }, { outputs: ['logits'], ...threads });
    return new ElectraEvaluator(generator, discriminator, configs);
  }

  /** Both models on `batches`; `weights` are the joint model's (electra.*, discriminator_predictions.*, generator.*). */
  async evaluate(weights: Readonly<Record<string, Float32Array>>, batches: readonly PretrainingBatch[]): Promise<ElectraEvaluation> {
    const rng = new Rng(SAMPLE_SEED);
    const logits: number[] = [], replaced: boolean[] = [];
    let sampledOriginal = 0, masked = 0;
    const generator = await this.generator.evaluate(generatorWeights(this.configs, weights), batches, async (batch, mlmLogits) => {
      const labels = maskedLabels(batch);
      const samples = sampleRows(mlmLogits, labels.length, rng);
      const corrupted = BigInt64Array.from(batch.input_ids);
      const isReplaced = new Uint8Array(corrupted.length); // only masked positions can be: a sampled original is not
      batch.masked_lm_positions.forEach((position, i) => {
        corrupted[Number(position)] = BigInt(samples[i]!);
        if (samples[i] === labels[i]) sampledOriginal++;
        else isReplaced[Number(position)] = 1;
      });
      masked += labels.length;
      const input = { batchSize: batch.batchSize, seqLength: batch.seqLength, inputIds: corrupted, tokenTypeIds: batch.token_type_ids, attentionMask: batch.attention_mask };
      const judged = (await this.discriminator.run(input, weights)).logits!.data as Float32Array; // [batch · seq]
      batch.attention_mask.forEach((attended, i) => {
        if (attended === 0n) return;
        logits.push(judged[i]!);
        replaced.push(isReplaced[i] === 1);
      });
    });
    return { generator, discriminator: { ...discriminatorScores(logits, replaced), sampledMlmAccuracy: sampledOriginal / masked } };
  }

  async dispose(): Promise<void> {
    await this.generator.dispose();
    await this.discriminator.dispose();
  }
}

/** One draw per row of softmax(logits) [rows, vocab] by inverse CDF, in float64, from `rng`. */
export function sampleRows(logits: Float32Array, rows: number, rng: Rng): number[] {
  const classes = logits.length / rows;
  const samples: number[] = [];
  for (let row = 0; row < rows; row++) {
    const values = logits.subarray(row * classes, (row + 1) * classes);
    let max = -Infinity;
    for (const value of values) max = Math.max(max, value);
    let total = 0;
    for (const value of values) total += Math.exp(value - max);
    const target = rng.uniform() * total;
    let sum = 0, pick = classes - 1; // rounding may leave the last sum under the target
    for (let c = 0; c < classes; c++) {
      sum += Math.exp(values[c]! - max);
      if (sum > target) { pick = c; break; }
    }
    samples.push(pick);
  }
  return samples;
}

/** The discriminator's scores from its logits and whether each token was replaced (see the header). */
export function discriminatorScores(logits: readonly number[], replaced: readonly boolean[]): Omit<DiscriminatorEvaluation, 'sampledMlmAccuracy'> {
  if (logits.length !== replaced.length) throw new Error(`discriminatorScores: ${logits.length} logits for ${replaced.length} labels`);
  let right = 0, called = 0, calledRight = 0, replacedTokens = 0;
  logits.forEach((logit, i) => {
    const calls = logit > 0;
    if (calls === replaced[i]) right++;
    if (calls) called++;
    if (calls && replaced[i]) calledRight++;
    if (replaced[i]) replacedTokens++;
  });
  return {
    discAuc: rocAuc(logits, replaced),
    discAccuracy: right / logits.length,
    discPrecision: calledRight / called,
    discRecall: calledRight / replacedTokens,
    judgedTokens: logits.length,
    replacedTokens,
  };
}

/**
 * Area under the ROC curve of `scores` for `positive` labels: the Mann–Whitney statistic, the chance
 * that a random positive scores above a random negative (ties count half), from average ranks.
 * NaN without both classes.
 */
export function rocAuc(scores: readonly number[], positive: readonly boolean[]): number {
  const order = scores.map((_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  let positives = 0, rankSum = 0;
  for (let start = 0; start < order.length;) {
    let end = start + 1;
    while (end < order.length && scores[order[end]!] === scores[order[start]!]) end++;
    const averageRank = (start + 1 + end) / 2; // ranks start + 1 … end share their mean
    for (let k = start; k < end; k++) if (positive[order[k]!]) { positives++; rankSum += averageRank; }
    start = end;
  }
  const negatives = order.length - positives;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}
