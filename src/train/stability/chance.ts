// The chance level of a dev metric: what a constant predictor scores on the dev set. A fine-tuning
// run that does no better has learned nothing (Mosbach et al. 2021 call it a failed run). The constant
// is the majority training label (every class/token), the training mean (regression), or no span
// preference (qa: all logits equal).
import type { TaskData, TaskOutputs, TaskSpec } from '../../data/tasks/task.js';

/** Outputs that predict the same thing for every dev feature. */
export function constantOutputs(train: TaskData, dev: TaskData): TaskOutputs {
  const classes = dev.labels.length;
  const counts = new Array<number>(Math.max(classes, 1)).fill(0);
  let targetSum = 0, targets = 0;
  for (const feature of train.features) {
    if (typeof feature.label === 'number') {
      if (train.kind === 'regression' || train.kind === 'similarity') (targetSum += feature.label, targets++);
      else counts[feature.label]!++;
    }
    for (const label of feature.tokenLabels ?? []) if (label >= 0) counts[label]!++;
  }
  const majority = counts.indexOf(Math.max(...counts));
  const row = (): Float32Array => {
    const logits = new Float32Array(classes);
    if (dev.multiLabel) logits.fill(-10);
    else logits[majority] = 10;
    return logits;
  };
  switch (dev.kind) {
    case 'classification':
      return { logits: dev.features.map(row) };
    case 'regression':
    case 'similarity':
      return { logits: dev.features.map(() => Float32Array.of(targets > 0 ? targetSum / targets : 0)) };
    case 'ner':
    case 'srl':
      return {
        logits: dev.features.map((feature) => {
          const logits = new Float32Array(feature.inputIds.length * classes);
          for (let t = 0; t < feature.inputIds.length; t++) logits[t * classes + majority] = 10;
          return logits;
        }),
      };
    case 'qa':
      return {
        startLogits: dev.features.map((feature) => new Float32Array(feature.inputIds.length)),
        endLogits: dev.features.map((feature) => new Float32Array(feature.inputIds.length)),
      };
  }
}

/** `metric` of the constant predictor; a correlation undefined for constant predictions counts as 0. */
export function chanceLevel(spec: TaskSpec, train: TaskData, dev: TaskData, metric: string): number | undefined {
  const value = spec.evaluate(dev, constantOutputs(train, dev))[metric];
  if (value === undefined) return undefined;
  return Number.isFinite(value) ? value : 0;
}
