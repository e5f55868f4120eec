// The parameters of a BERT with given heads, where some (or none) come from a checkpoint and the
// rest start as Hugging Face initialises them (runtime/init.ts): a new model, a checkpoint missing
// its task head, an encoder under a new head all go through here.
import type { BertHeads } from './architecture.js';
import { bertParameterShapes } from './bert.js';
import type { BertConfig } from './config.js';
import { initializeParameters } from '../runtime/init.js';
import { ParameterStore } from '../runtime/parameters.js';

export interface InitialParameters {
  /** Every parameter of the model, in graph order. */
  readonly parameters: ParameterStore;
  /** The names that were initialised rather than given. */
  readonly initialised: readonly string[];
}

/**
 * `given(name)` supplies a parameter's value (of the model's shape) or undefined; the others are
 * initialised with `seed` and config.initializer_range.
 */
export function initialParameters(
  config: BertConfig, heads: BertHeads, seed: number, given: (name: string) => Float32Array | undefined = () => undefined,
): InitialParameters {
  const shapes = bertParameterShapes(config, heads);
  const values = new Map([...shapes.keys()].map((name) => [name, given(name)]));
  const initialised = [...shapes].filter(([name]) => values.get(name) === undefined).map(([name, shape]) => ({ name, shape }));
  const fresh = initializeParameters(initialised, { seed, initializerRange: config.initializer_range });
  const parameters = new ParameterStore();
  for (const [name, shape] of shapes) parameters.add(name, shape, values.get(name) ?? fresh.get(name));
  return { parameters, initialised: initialised.map(({ name }) => name) };
}
