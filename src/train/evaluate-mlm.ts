// Held-out evaluation of a pretraining model: masked-LM loss, perplexity and accuracy (over the
// predicted positions, as google-research/bert's run_pretraining eval), and NSP accuracy and loss.
// One weight-fed runner (MLM logits at the masked positions only), fed the current weights on each
// call; the scores are computed here from the logits, in float64.
import type { PretrainingBatch } from '../data/pretraining-dataset.js';
import type { BertHeads } from '../model/architecture.js';
import type { BertConfig } from '../model/config.js';
import { BertRunner, type WeightSource } from '../model/runner.js';
import { pretrainingBertBatch } from './pretraining-feeds.js';

export interface MlmEvaluation {
  readonly mlmLoss: number;
  readonly mlmPerplexity: number;
  readonly mlmAccuracy: number;
  readonly maskedTokens: number;
  readonly sequences: number;
  /** Present when the model has the NSP head. */
  readonly nspAccuracy?: number;
  readonly nspLoss?: number;
}

export class MlmEvaluator {
  private constructor(
    private readonly runner: BertRunner,
    private readonly nsp: boolean,
  ) {}

  static async create(config: BertConfig, heads: BertHeads, options: { threads?: number } = {}): Promise<MlmEvaluator> {
    if (!heads.maskedLm) throw new Error('MlmEvaluator: the model has no masked-LM head');
    const runner = await BertRunner.create({ config, heads }, {
      outputs: heads.nextSentence ? ['mlm_logits', 'nsp_logits'] : ['mlm_logits'],
      maskedPositions: true,
      ...(options.threads === undefined ? {} : { threads: options.threads }),
    });
    return new MlmEvaluator(runner, heads.nextSentence);
  }

  /** `onBatch` sees each batch with its MLM logits [masked, vocab] (ELECTRA's evaluation samples from them). */
  async evaluate(weights: WeightSource, batches: readonly PretrainingBatch[], onBatch?: (batch: PretrainingBatch, mlmLogits: Float32Array) => Promise<void>): Promise<MlmEvaluation> {
    if (batches.length === 0) throw new Error('MlmEvaluator.evaluate: no evaluation batches');
    let mlmLossSum = 0, mlmCorrect = 0, masked = 0, nspLossSum = 0, nspCorrect = 0, sequences = 0;
    for (const [index, batch] of batches.entries()) {
      // Its MLM loss and accuracy would be 0/0: NaN in the log instead of an error here.
      if (batch.masked_lm_positions.length === 0) throw new Error(`MlmEvaluator.evaluate: evaluation batch ${index} has no masked positions`);
      const outputs = await this.runner.run(pretrainingBertBatch(batch), weights);
      const labels = maskedLabels(batch);
      const mlmLogits = outputs.mlm_logits!.data as Float32Array;
      const mlm = scoreRows(mlmLogits, labels);
      mlmLossSum += mlm.lossSum;
      mlmCorrect += mlm.correct;
      masked += labels.length;
      if (this.nsp) {
        const nsp = scoreRows(outputs.nsp_logits!.data as Float32Array, Array.from(batch.next_sentence_label, Number));
        nspLossSum += nsp.lossSum;
        nspCorrect += nsp.correct;
      }
      sequences += batch.batchSize;
      await onBatch?.(batch, mlmLogits);
    }
    const mlmLoss = mlmLossSum / masked;
    return {
      mlmLoss,
      mlmPerplexity: Math.exp(mlmLoss),
      mlmAccuracy: mlmCorrect / masked,
      maskedTokens: masked,
      sequences,
      ...(this.nsp ? { nspAccuracy: nspCorrect / sequences, nspLoss: nspLossSum / sequences } : {}),
    };
  }

  async dispose(): Promise<void> {
    await this.runner.dispose();
  }
}

/** The labels at masked_lm_positions, in their order. */
export function maskedLabels(batch: PretrainingBatch): number[] {
  return Array.from(batch.masked_lm_positions, (position) => Number(batch.labels[Number(position)]));
}

/** Cross-entropy sum and argmax hits of rows of logits [rows, classes] against one label per row. */
function scoreRows(logits: Float32Array, labels: readonly number[]): { lossSum: number; correct: number } {
  const classes = logits.length / labels.length;
  let lossSum = 0, correct = 0;
  labels.forEach((label, row) => {
    const values = logits.subarray(row * classes, (row + 1) * classes);
    let max = -Infinity, best = 0;
    for (let c = 0; c < classes; c++) if (values[c]! > max) [max, best] = [values[c]!, c];
    let sum = 0;
    for (let c = 0; c < classes; c++) sum += Math.exp(values[c]! - max);
    lossSum += Math.log(sum) + max - values[label]!;
    if (best === label) correct++;
  });
  return { lossSum, correct };
}
