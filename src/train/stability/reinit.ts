// Re-initialising the top k encoder layers (and the pooler) before fine-tuning, as Zhang et al. 2021
// ("Revisiting Few-sample BERT Fine-tuning") recommend: the top layers of a pretrained BERT are
// specialised to the pretraining task and transfer worse than fresh ones. The new values come from
// the config's initializer as HF's _init_weights draws them (normal(0, initializer_range), biases 0,
// LayerNorm 1/0).
import { initializeParameters } from '../../runtime/init.js';
import type { ParameterStore } from '../../runtime/parameters.js';

const LAYER = /^(?:bert\.|electra\.)?encoder\.layer\.(\d+)\./;
const POOLER = /^(?:bert\.|electra\.)?pooler\./;

/** The parameters re-initialising the top `k` of `numLayers` layers touches (the pooler's too). */
export function reinitializedNames(names: Iterable<string>, numLayers: number, k: number): string[] {
  if (!Number.isInteger(k) || k < 0 || k > numLayers) throw new Error(`--reinit-layers must be an integer in [0, ${numLayers}] (the model has ${numLayers} layers), got ${k}`);
  if (k === 0) return [];
  return [...names].filter((name) => {
    const layer = LAYER.exec(name);
    return layer !== null ? Number(layer[1]) >= numLayers - k : POOLER.test(name);
  });
}

/** Re-initialises the top `k` layers and the pooler of `parameters` in place; returns their names. */
export function reinitializeTopLayers(parameters: ParameterStore, options: { numLayers: number; k: number; seed: number; initializerRange: number }): string[] {
  const names = reinitializedNames(parameters.names, options.numLayers, options.k);
  const fresh = initializeParameters(names.map((name) => ({ name, shape: parameters.shape(name) })), { seed: options.seed, initializerRange: options.initializerRange });
  for (const name of names) parameters.get(name).set(fresh.get(name));
  return names;
}
