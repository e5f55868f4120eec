// Which heads each Hugging Face BERT and ELECTRA class carries, and so which parameters its
// checkpoint holds. `config.architectures[0]` names the class; a checkpoint without it is recognised
// by its tensors. ELECTRA's classes are BERT's encoder under `electra.` with no pooler and heads of
// their own (HF modeling_electra.py): the generator's masked LM, the discriminator's replaced-token
// detection, and a two-layer classifier on [CLS].
import type { BertConfig, ModelType } from './config.js';

export interface BertHeads {
  /** bert.pooler: tanh(dense(hidden[:, 0])). HF leaves it out of MaskedLM, TokenClassification and QA models. */
  readonly pooler: boolean;
  /** cls.predictions: transform + decoder tied to the word embeddings + cls.predictions.bias. */
  readonly maskedLm: boolean;
  /** cls.seq_relationship: [CLS] pooled → 2 logits. */
  readonly nextSentence: boolean;
  /** classifier on the pooled output: num_labels logits. */
  readonly sequenceClassification: boolean;
  /** classifier on every hidden state: num_labels logits per token. */
  readonly tokenClassification: boolean;
  /** qa_outputs: start and end logits per token. */
  readonly questionAnswering: boolean;
  /** ELECTRA's discriminator_predictions: one replaced-or-original logit per token (ElectraForPreTraining). */
  readonly replacedTokenDetection?: boolean;
}

export const BERT_ARCHITECTURES = {
  BertModel: { pooler: true, maskedLm: false, nextSentence: false, sequenceClassification: false, tokenClassification: false, questionAnswering: false },
  BertForPreTraining: { pooler: true, maskedLm: true, nextSentence: true, sequenceClassification: false, tokenClassification: false, questionAnswering: false },
  BertForMaskedLM: { pooler: false, maskedLm: true, nextSentence: false, sequenceClassification: false, tokenClassification: false, questionAnswering: false },
  BertForNextSentencePrediction: { pooler: true, maskedLm: false, nextSentence: true, sequenceClassification: false, tokenClassification: false, questionAnswering: false },
  BertForSequenceClassification: { pooler: true, maskedLm: false, nextSentence: false, sequenceClassification: true, tokenClassification: false, questionAnswering: false },
  BertForTokenClassification: { pooler: false, maskedLm: false, nextSentence: false, sequenceClassification: false, tokenClassification: true, questionAnswering: false },
  BertForQuestionAnswering: { pooler: false, maskedLm: false, nextSentence: false, sequenceClassification: false, tokenClassification: false, questionAnswering: true },
} as const satisfies Record<string, BertHeads>;

export type BertArchitecture = keyof typeof BERT_ARCHITECTURES;

const NO_HEADS: BertHeads = { pooler: false, maskedLm: false, nextSentence: false, sequenceClassification: false, tokenClassification: false, questionAnswering: false };

export const ELECTRA_ARCHITECTURES = {
  ElectraModel: NO_HEADS,
  ElectraForPreTraining: { ...NO_HEADS, replacedTokenDetection: true },
  ElectraForMaskedLM: { ...NO_HEADS, maskedLm: true },
  ElectraForSequenceClassification: { ...NO_HEADS, sequenceClassification: true },
  ElectraForTokenClassification: { ...NO_HEADS, tokenClassification: true },
  ElectraForQuestionAnswering: { ...NO_HEADS, questionAnswering: true },
} as const satisfies Record<string, BertHeads>;

export type ElectraArchitecture = keyof typeof ELECTRA_ARCHITECTURES;
/** A Hugging Face class bertkit reads and writes. */
export type ModelArchitecture = BertArchitecture | ElectraArchitecture;

const ARCHITECTURES: Record<ModelType, Readonly<Record<string, BertHeads>>> = { bert: BERT_ARCHITECTURES, electra: ELECTRA_ARCHITECTURES };

export function isBertArchitecture(name: unknown): name is BertArchitecture {
  return typeof name === 'string' && Object.hasOwn(BERT_ARCHITECTURES, name);
}

export function isModelArchitecture(name: unknown): name is ModelArchitecture {
  return isBertArchitecture(name) || (typeof name === 'string' && Object.hasOwn(ELECTRA_ARCHITECTURES, name));
}

export function headsOf(architecture: ModelArchitecture): BertHeads {
  return isBertArchitecture(architecture) ? BERT_ARCHITECTURES[architecture] : ELECTRA_ARCHITECTURES[architecture];
}

/** The model type whose class this is. */
export function modelTypeOf(architecture: ModelArchitecture): ModelType {
  return isBertArchitecture(architecture) ? 'bert' : 'electra';
}

/** The HF class of `modelType` (default BERT) with exactly these heads; throws for combinations no HF class has. */
export function architectureOf(heads: BertHeads, modelType: ModelType = 'bert'): ModelArchitecture {
  const classes = ARCHITECTURES[modelType];
  const keys = [...Object.keys(NO_HEADS), 'replacedTokenDetection'] as (keyof BertHeads)[];
  const found = Object.keys(classes).find((name) => keys.every((key) => (classes[name]![key] ?? false) === (heads[key] ?? false)));
  if (found === undefined) throw new Error(`no Hugging Face ${modelType === 'bert' ? 'BERT' : 'ELECTRA'} class has the heads ${JSON.stringify(heads)}`);
  return found as ModelArchitecture;
}

/** The heads of the class of `modelType` that does for the task what the BERT class does (BertForSequenceClassification → ElectraForSequenceClassification). */
export function headsFor(architecture: BertArchitecture, modelType: ModelType): BertHeads {
  if (modelType === 'bert') return BERT_ARCHITECTURES[architecture];
  const counterpart = architecture.replace(/^Bert/, 'Electra');
  if (!Object.hasOwn(ELECTRA_ARCHITECTURES, counterpart)) throw new Error(`ELECTRA has no class like ${architecture}`);
  return ELECTRA_ARCHITECTURES[counterpart as ElectraArchitecture];
}

/** Any head: then HF nests the encoder under `bert.` (`electra.`); a bare BertModel's (ElectraModel's) names have no prefix. */
export function basePrefixOf(heads: BertHeads, modelType: ModelType = 'bert'): string {
  const anyHead = heads.maskedLm || heads.nextSentence || heads.sequenceClassification || heads.tokenClassification || heads.questionAnswering || heads.replacedTokenDetection === true;
  return anyHead ? `${modelType}.` : '';
}

/**
 * The class of a checkpoint: config.architectures[0] when it names one, else recognised from the
 * tensor names (with or without the `bert.` prefix), as a loader of older hub checkpoints must.
 */
export function detectArchitecture(config: BertConfig, tensorNames: Iterable<string>, source: string): ModelArchitecture {
  const named = config.architectures?.[0];
  const classes = ARCHITECTURES[config.model_type];
  if (named !== undefined) {
    if (Object.hasOwn(classes, named)) return named as ModelArchitecture;
    throw new Error(`${source}: architectures[0] is "${named}"; bertkit reads ${Object.keys(classes).join(', ')} for model_type "${config.model_type}"`);
  }
  const names = [...tensorNames];
  const has = (pattern: RegExp): boolean => names.some((name) => pattern.test(name));
  if (config.model_type === 'electra') {
    if (has(/^discriminator_predictions\./)) return 'ElectraForPreTraining';
    if (has(/^generator_predictions\./)) return 'ElectraForMaskedLM';
    if (has(/^qa_outputs\./)) return 'ElectraForQuestionAnswering';
    if (has(/^classifier\.out_proj\./)) return 'ElectraForSequenceClassification';
    if (has(/^classifier\./)) return 'ElectraForTokenClassification';
    return 'ElectraModel';
  }
  const maskedLm = has(/^cls\.predictions\./), nextSentence = has(/^cls\.seq_relationship\./);
  if (maskedLm && nextSentence) return 'BertForPreTraining';
  if (maskedLm) return 'BertForMaskedLM';
  if (nextSentence) return 'BertForNextSentencePrediction';
  if (has(/^qa_outputs\./)) return 'BertForQuestionAnswering';
  if (has(/^classifier\./)) return has(/^(bert\.)?pooler\./) ? 'BertForSequenceClassification' : 'BertForTokenClassification';
  return 'BertModel';
}
