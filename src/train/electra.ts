// ELECTRA's models on disk and at the start of a run (the graph is electra-program.ts):
//   parameters   the discriminator as ElectraForPreTraining (electra.*, discriminator_predictions.*)
//                and the generator's own layers as ElectraForMaskedLM names under generator.*; the
//                embeddings (electra.embeddings.*) are one set, the discriminator's
//   checkpoint   OUTPUT/checkpoint-STEP: config.json of the discriminator (ElectraForPreTraining) and
//                one model.safetensors with every parameter, which resuming reads back; transformers'
//                ElectraForPreTraining loads it (reporting generator.* as unused)
//   final model  OUTPUT: the discriminator as a plain Hugging Face BertModel (embedding size = hidden
//                size, so every BERT path loads it; its pooler, which ELECTRA does not train, starts
//                as HF initialises it) and OUTPUT/generator: the generator as ElectraForMaskedLM
import { join } from 'node:path';
import { writeSafetensors } from '../io/safetensors.js';
import { type BertHeads, headsOf } from '../model/architecture.js';
import { saveBert } from '../model/checkpoint.js';
import { type BertConfig, writeBertConfig } from '../model/config.js';
import { bertParameterShapes } from '../model/bert.js';
import { initialParameters } from '../model/initial-parameters.js';
import { initializeParameters } from '../runtime/init.js';
import { ParameterStore } from '../runtime/parameters.js';
import type { BertTokenizer } from '../tokenizer/bert-tokenizer.js';
import { type ElectraConfigs, GENERATOR_PREFIX, discriminatorConfig, generatorConfig } from './electra-program.js';

/** The embeddings the generator reads from the discriminator. */
const SHARED_EMBEDDINGS = 'electra.embeddings.';
const DISCRIMINATOR_HEADS: BertHeads = headsOf('ElectraForPreTraining');
export const GENERATOR_HEADS: BertHeads = headsOf('ElectraForMaskedLM');

/** ELECTRA's default generator: a quarter of the discriminator's hidden size (ELECTRA-Small's generator_hidden_size). */
export const DEFAULT_GENERATOR_SIZE = 0.25;

/** The discriminator and generator of a BERT (or ELECTRA discriminator) config. */
export function electraConfigs(config: BertConfig, generatorSize = DEFAULT_GENERATOR_SIZE): ElectraConfigs {
  const discriminator = discriminatorConfig(config);
  return { discriminator, generator: generatorConfig(discriminator, generatorSize) };
}

/** The ELECTRA heads the run's model records (the discriminator's). */
export function electraHeads(): BertHeads {
  return DISCRIMINATOR_HEADS;
}

/** The generator's parameter names in the joint model, by its ElectraForMaskedLM name (shared embeddings keep theirs). */
function jointName(generatorName: string): string {
  return generatorName.startsWith(SHARED_EMBEDDINGS) ? generatorName : GENERATOR_PREFIX + generatorName;
}

/** Every parameter of discriminator and generator, initialised as HF initialises them (each tensor from its own stream of `seed`). */
export function electraInitialParameters(configs: ElectraConfigs, seed: number): ParameterStore {
  const { parameters } = initialParameters(configs.discriminator, DISCRIMINATOR_HEADS, seed);
  const own = [...bertParameterShapes(configs.generator, GENERATOR_HEADS)]
    .filter(([name]) => !name.startsWith(SHARED_EMBEDDINGS))
    .map(([name, shape]) => ({ name: jointName(name), shape }));
  const generator = initializeParameters(own, { seed, initializerRange: configs.generator.initializer_range });
  for (const { name, shape } of own) parameters.add(name, shape, generator.get(name));
  return parameters;
}

/** A checkpoint's model: the discriminator's config.json and every parameter in one model.safetensors. */
export function writeElectraCheckpoint(dir: string, configs: ElectraConfigs, parameters: ParameterStore, tokenizer?: BertTokenizer): void {
  const tensors = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const { name, shape, data } of parameters.entries()) tensors.set(name, { shape: [...shape], data });
  writeSafetensors(join(dir, 'model.safetensors'), tensors, { format: 'pt' });
  tokenizer?.save(dir);
  writeBertConfig(join(dir, 'config.json'), { ...configs.discriminator, architectures: ['ElectraForPreTraining'] });
}

/** The generator's weights under its ElectraForMaskedLM names (the shared embeddings included). */
export function generatorWeights(configs: ElectraConfigs, weights: Readonly<Record<string, Float32Array>>): Record<string, Float32Array> {
  const named: Record<string, Float32Array> = {};
  for (const name of bertParameterShapes(configs.generator, GENERATOR_HEADS).keys()) {
    const data = weights[jointName(name)];
    if (data === undefined) throw new Error(`ELECTRA: the trained weights lack ${jointName(name)}`);
    named[name] = data;
  }
  return named;
}

/**
 * The trained models: OUTPUT as a BertModel (the discriminator's encoder under BERT's names, a
 * fresh pooler from `seed`) and OUTPUT/generator as ElectraForMaskedLM.
 */
export function saveElectraModels(dir: string, configs: ElectraConfigs, weights: Readonly<Record<string, Float32Array>>, options: { seed: number; tokenizer?: BertTokenizer }): void {
  const { embedding_size: _embeddingSize, architectures: _architectures, ...encoder } = configs.discriminator;
  const bert: BertConfig = { ...encoder, model_type: 'bert' };
  const discriminator = initialParameters(bert, headsOf('BertModel'), options.seed, (name) => weights[`electra.${name}`]);
  const unexpected = discriminator.initialised.filter((name) => !name.startsWith('pooler.'));
  if (unexpected.length > 0) throw new Error(`saveElectraModels: the trained weights lack ${unexpected.join(', ')}`);
  const tokenizer = options.tokenizer ? { tokenizer: options.tokenizer } : {};
  saveBert(dir, { config: bert, heads: headsOf('BertModel'), parameters: discriminator.parameters }, tokenizer);

  const generator = new ParameterStore();
  const named = generatorWeights(configs, weights);
  for (const [name, shape] of bertParameterShapes(configs.generator, GENERATOR_HEADS)) generator.add(name, shape, named[name]);
  saveBert(join(dir, 'generator'), { config: configs.generator, heads: GENERATOR_HEADS, parameters: generator }, tokenizer);
}
