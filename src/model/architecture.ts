// Which heads each Hugging Face BERT class carries, and so which parameters its checkpoint holds.
// `config.architectures[0]` names the class; a checkpoint without it is recognised by its tensors.
import type { BertConfig } from './config.js';

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

export function isBertArchitecture(name: unknown): name is BertArchitecture {
  return typeof name === 'string' && Object.hasOwn(BERT_ARCHITECTURES, name);
}

export function headsOf(architecture: BertArchitecture): BertHeads {
  return BERT_ARCHITECTURES[architecture];
}

/** The HF class with exactly these heads; throws for combinations no HF class has. */
export function architectureOf(heads: BertHeads): BertArchitecture {
  const keys = Object.keys(BERT_ARCHITECTURES[`BertModel`]) as (keyof BertHeads)[];
  const found = (Object.keys(BERT_ARCHITECTURES) as BertArchitecture[]).find((name) => keys.every((key) => BERT_ARCHITECTURES[name][key] === heads[key]));
  if (found === undefined) throw new Error(`no Hugging Face BERT class has the heads ${JSON.stringify(heads)}`);
  return found;
}

/** Any head: then HF nests the encoder under `bert.`; a bare BertModel's names have no prefix. */
export function basePrefixOf(heads: BertHeads): string {
  return heads.maskedLm || heads.nextSentence || heads.sequenceClassification || heads.tokenClassification || heads.questionAnswering ? 'bert.' : '';
}

/**
 * The class of a checkpoint: config.architectures[0] when it names one, else recognised from the
 * tensor names (with or without the `bert.` prefix), as a loader of older hub checkpoints must.
 */
export function detectArchitecture(config: BertConfig, tensorNames: Iterable<string>, source: string): BertArchitecture {
  const named = config.architectures?.[0];
  if (named !== undefined) {
    if (isBertArchitecture(named)) return named;
    throw new Error(`${source}: architectures[0] is "${named}"; bertkit reads ${Object.keys(BERT_ARCHITECTURES).join(', ')}`);
  }
  const names = [...tensorNames];
  const has = (pattern: RegExp): boolean => names.some((name) => pattern.test(name));
  const maskedLm = has(/^cls\.predictions\./), nextSentence = has(/^cls\.seq_relationship\./);
  if (maskedLm && nextSentence) return 'BertForPreTraining';
  if (maskedLm) return 'BertForMaskedLM';
  if (nextSentence) return 'BertForNextSentencePrediction';
  if (has(/^qa_outputs\./)) return 'BertForQuestionAnswering';
  if (has(/^classifier\./)) return has(/^(bert\.)?pooler\./) ? 'BertForSequenceClassification' : 'BertForTokenClassification';
  return 'BertModel';
}
