// Parameter initialisation as in Hugging Face's BertPreTrainedModel._init_weights: weights and
// embeddings ~ N(0, initializer_range²), biases 0, LayerNorm weight 1 / bias 0.
// Each parameter draws from its own stream (seed, hash of its name), so a tensor's initial values
// do not depend on which other parameters exist or on their order.
import { ParameterStore, type ParameterInfo } from './parameters.js';
import { Rng } from './rng.js';

export interface InitOptions {
  readonly seed: number;
  /** Standard deviation of the normal initialiser (BertConfig.initializer_range). */
  readonly initializerRange?: number;
}

export type InitRule = 'normal' | 'ones' | 'zeros';

/** The rule HF BERT applies to a parameter, by its name. */
export function initRuleFor(name: string): InitRule {
  if (/LayerNorm\.(weight|gamma)$/.test(name)) return 'ones';
  if (/(^|\.)(bias|beta)$/.test(name)) return 'zeros';
  return 'normal';
}

export function initializeParameters(specs: readonly ParameterInfo[], options: InitOptions): ParameterStore {
  const range = options.initializerRange ?? 0.02;
  if (!(range >= 0)) throw new Error(`initializeParameters: initializerRange must be >= 0, got ${range}`);
  const store = new ParameterStore();
  for (const spec of specs) {
    const data = store.add(spec.name, spec.shape);
    const rule = initRuleFor(spec.name);
    if (rule === 'ones') data.fill(1);
    else if (rule === 'normal') new Rng(options.seed, Rng.streamOf(spec.name)).fillNormal(data, 0, range);
  }
  return store;
}
