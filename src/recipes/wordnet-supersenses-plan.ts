// The sizes of the WordNet supersense story (wordnet-supersenses.ts) and its fixed split, with the
// measurements that chose them.

/** Sizes of a run: QUICK_PLAN is `npm start`'s, LONG_PLAN `--long`'s. */
export interface SupersensePlan {
  vocabSize: number;
  preset: 'tiny' | 'mini';
  pretrainSteps: number;
  pretrainBatchSize: number;
  pretrainSeqLength: number;
  pretrainLearningRate: number;
  /** Hidden and attention dropout while pretraining (the saved encoder's config keeps it). */
  pretrainDropout: number;
  /** Next-sentence prediction beside masked LM; false: MLM alone on sequences packed full of sentences. */
  pretrainNsp: boolean;
  wholeWordMask: boolean;
  finetuneEpochs: number;
  finetuneBatchSize: number;
  finetuneLearningRate: number;
  /** Hidden and attention dropout while fine-tuning and in the saved classifier's config. */
  finetuneDropout: number;
  /** Class weights: scikit-learn's 'balanced' weights raised to this power (0: unweighted, 1: balanced). */
  classWeightPower: number;
  seeds: number;
  /**
   * The whole run's wall-clock seconds: pretraining and each seed fit their updates to what is left
   * (wall-clock-budget.ts), `pretrainSteps` and `finetuneEpochs` being the most they train. Absent: no deadline.
   */
  timeBudgetSeconds?: number;
}

// QUICK fits its 14-minute deadline (15 with `npm run build`) on an idle 2-core machine (10 min 27 s on the
// Zen 5 one, 2026-12-05: 9,000 pretraining steps in 427 s, held-out BERT 78.3 % ± 0.2); a slower machine's
// deadline cuts the updates. Pretraining is where the minutes pay off.
// Measured (idle, 3 seeds unless noted; naive Bayes 67.9 % accuracy / 49.2 % macro-F1 on the split):
// - 600 pretraining steps of 128 × 64 (176 s, held-out MLM 9.7 %): BERT 71.1 % ± 0.2 / 50.0 % ± 0.6.
// - 1,200 steps (~350 s, MLM 13.7 %), one seed: 73.3 % / 55.2 %.
// - Masked LM with NSP stayed on the unigram plateau (6 % MLM after 300 steps of 64 × 64).
// - 2026-12-03, 2-vCPU Sapphire Rapids, 14-minute deadline: ~730 steps; linear decay MLM 10.4 %, BERT 70.3 % ± 0.3;
//   warm-up–stable–decay (now used) MLM 13.2 %, BERT 71.0 % ± 0.3.
// - Fine-tuning: batches of 256 at 3e-3 for 3 epochs (~140 s a seed); balanced^0.5 class weights
//   lift the rare supersenses (macro-F1 41.7 % unweighted).
// - 2026-12-05, chosen on a validation tenth of the training synsets (vocabulary, pretraining and fine-tuning
//   on the other nine tenths; the held-out synsets unseen), one thread of the Zen 5 machine with a 1,030 s
//   deadline (it pretrains 1.22× slower than two idle cores), the other core busy; validation accuracy:
//   the plan until then (1,200 steps of 128 × 64, dropout 0.1, 45 % of the time to pretraining: 1,200 steps
//   ran in 430 s and the deadline was never reached) 73.4 % ± 0.3; without pretraining dropout 73.8 %;
//   65 % of the time to pretraining (2,054 steps) 74.8 %; 6 fine-tuning epochs instead 74.9 %; batches of
//   32 × 64 (a step 0.077 s: four times the updates at the same tokens a second) capped at 7,000 steps 75.9 % ± 0.5,
//   with 5 fine-tuning epochs 75.9 %, with 4 epochs of batches of 128 75.8 %; batches of 32, 65 % and a
//   9,000-step cap (8,181 steps, MLM 30.4 %) 77.4 % ± 0.5 / 59.8 % macro-F1: the plan.
export const QUICK_PLAN: Readonly<SupersensePlan> = {
  vocabSize: 8000, preset: 'tiny', pretrainSteps: 9000, pretrainBatchSize: 32, pretrainSeqLength: 64, pretrainLearningRate: 1e-3, pretrainDropout: 0,
  pretrainNsp: false, wholeWordMask: true,
  finetuneEpochs: 3, finetuneBatchSize: 256, finetuneLearningRate: 3e-3, finetuneDropout: 0.1, classWeightPower: 0.5, seeds: 3, timeBudgetSeconds: 14 * 60,
};
// About 2–2.5 hours idle (estimated): the mini preset runs ~5× slower per token than tiny.
export const LONG_PLAN: Readonly<SupersensePlan> = {
  vocabSize: 16000, preset: 'mini', pretrainSteps: 3000, pretrainBatchSize: 128, pretrainSeqLength: 64, pretrainLearningRate: 5e-4, pretrainDropout: 0.1,
  pretrainNsp: false, wholeWordMask: true,
  finetuneEpochs: 3, finetuneBatchSize: 256, finetuneLearningRate: 1e-3, finetuneDropout: 0.1, classWeightPower: 0.5, seeds: 3,
};

/** The held-out split: a seeded random 10% of the synsets, the same on every run. */
export const HELD_OUT_FRACTION = 0.1;
export const SPLIT_SEED = 42;
