// Semantic role labelling on Universal PropBank (CoNLL-U with column 11 = predicate sense and
// columns 12… = one argument column per predicate, in sentence order; roles sit on head words).
// One instance per predicate, encoded as `[CLS] sentence [SEP] predicate [SEP]` (Shi & Lin 2019);
// each word's role label sits on its first piece. A sentence too long for the max sequence length is
// windowed as NER sentences are (word-alignment.ts): every window repeats `[SEP] predicate [SEP]`.

import type { BertTokenizer } from '../../tokenizer/index.js';
import { precisionRecallF1 } from './metrics.js';
import { readUtf8File } from './table.js';
import { type TaskData, type TaskFeatures, type TaskLoadOptions, type TaskOutputs, type TaskSpec, defaultMaxSeqLength } from './task.js';
import { appendWordFeatures, encodeWordWindows, wordLabelIds, wordPredictions, type WordReadout } from './word-alignment.js';
import { defaultStride } from './windows.js';

/** A role-less word; '_' in the file. */
export const NO_ROLE = 'O';
const PREDICATE_ROLE = 'V';

export interface PropBankSentence {
  /** `# sent_id` or `path:line`. */
  id: string;
  /** Syntactic words (multiword-token lines and empty nodes are not words of the sentence). */
  words: string[];
  predicates: { wordIndex: number; sense: string; roles: string[] }[];
  source: string;
}

export interface SrlExample {
  sentenceId: string;
  words: string[];
  predicateIndex: number;
  sense: string;
  /** Role per word, NO_ROLE for none. */
  roles: string[];
  /** Position of each word's first piece in the instance's full (unwindowed) encoding; -1 for a word without pieces. */
  firstTokenOfWord: Int32Array;
  /** Per word, the feature (index into TaskData.features) and token its prediction is read from. */
  readout: WordReadout;
  source: string;
}

/** Sentences of a Universal PropBank CoNLL-U file. */
export async function readPropBankSentences(path: string, options: { limit?: number } = {}): Promise<PropBankSentence[]> {
  const lines = (await readUtf8File(path)).split('\n');
  const sentences: PropBankSentence[] = [];
  let id: string | null = null;
  let rows: { columns: string[]; line: number }[] = [];
  const finish = () => {
    if (rows.length > 0) sentences.push(sentenceFrom(rows, id, path));
    rows = [];
    id = null;
  };
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!.replace(/\r$/, '');
    if (line.trim() === '') {
      finish();
      if (options.limit !== undefined && sentences.length >= options.limit) return sentences;
      continue;
    }
    if (line.startsWith('#')) {
      const match = /^#\s*sent_id\s*=\s*(.*)$/.exec(line);
      if (match) id = match[1]!.trim();
      continue;
    }
    const columns = line.split('\t');
    const wordId = columns[0]!;
    // Multiword tokens ("1-2") repeat their words' text; empty nodes ("8.1") are not in the surface sentence.
    if (/^\d+-\d+$/.test(wordId) || /^\d+\.\d+$/.test(wordId)) continue;
    if (!/^\d+$/.test(wordId)) throw new Error(`${path}:${index + 1}: word id '${wordId}' is not a number, a range or an empty node`);
    if (columns.length < 11) throw new Error(`${path}:${index + 1}: expected at least 11 tab-separated columns (CoNLL-U + predicate sense), found ${columns.length}`);
    if (Number(wordId) !== rows.length + 1) throw new Error(`${path}:${index + 1}: word id ${wordId} where ${rows.length + 1} was expected`);
    rows.push({ columns, line: index + 1 });
  }
  if (options.limit === undefined || sentences.length < options.limit) finish();
  return sentences;
}

function sentenceFrom(rows: { columns: string[]; line: number }[], id: string | null, path: string): PropBankSentence {
  const source = `${path}:${rows[0]!.line}`;
  const predicateWords = rows.flatMap((row, w) => (isRole(row.columns[10]) ? [w] : []));
  const predicates = predicateWords.map((wordIndex, k) => ({
    wordIndex,
    sense: rows[wordIndex]!.columns[10]!,
    roles: rows.map((row) => {
      const cell = row.columns[11 + k];
      if (cell === undefined) throw new Error(`${path}:${row.line}: ${predicateWords.length} predicates but no argument column ${12 + k}`);
      return isRole(cell) ? cell : NO_ROLE;
    }),
  }));
  return { id: id ?? source, words: rows.map((row) => row.columns[1]!), predicates, source };
}

function isRole(cell: string | undefined): cell is string {
  return cell !== undefined && cell !== '_' && cell.trim() !== '';
}

/** One instance per predicate, in sentence order. */
export function srlInstances(sentences: readonly PropBankSentence[]): Omit<SrlExample, 'firstTokenOfWord' | 'readout'>[] {
  return sentences.flatMap((sentence) =>
    sentence.predicates.map((predicate) => ({
      sentenceId: sentence.id,
      words: sentence.words,
      predicateIndex: predicate.wordIndex,
      sense: predicate.sense,
      roles: predicate.roles,
      source: sentence.source,
    })),
  );
}

/** Role label names: O first, then sorted. */
export function roleLabelNames(instances: readonly { roles: readonly string[] }[]): string[] {
  const roles = new Set<string>();
  for (const instance of instances) for (const role of instance.roles) if (role !== NO_ROLE) roles.add(role);
  return [NO_ROLE, ...[...roles].sort()];
}

export function encodeSrlInstances(instances: readonly Omit<SrlExample, 'firstTokenOfWord' | 'readout'>[], tokenizer: BertTokenizer, options: TaskLoadOptions = {}): TaskData {
  const labels = options.labels ?? roleLabelNames(instances);
  const maxLength = options.maxSeqLength ?? defaultMaxSeqLength('srl');
  const stride = options.stride ?? defaultStride(maxLength);
  const examples: SrlExample[] = [];
  const features: TaskFeatures[] = [];
  instances.forEach((instance, exampleIndex) => {
    const ids = wordLabelIds(labels, instance.roles, options.labels !== undefined, instance.source, 'role');
    const encoded = encodeWordWindows(tokenizer, instance.words, { pair: instance.words[instance.predicateIndex]!, maxLength, stride, where: instance.source });
    const readout = appendWordFeatures(features, encoded, ids, exampleIndex);
    examples.push({ ...instance, firstTokenOfWord: encoded.firstTokenOfWord, readout });
  });
  return { kind: 'srl', labels, examples, features };
}

/** Labelled argument P/R/F1: a (word, role) pair is correct when both match; V and O are not arguments. */
export function srlScores(goldRoles: readonly (readonly string[])[], predictedRoles: readonly (readonly string[])[]): { precision: number; recall: number; f1: number } {
  let tp = 0;
  let predicted = 0;
  let gold = 0;
  goldRoles.forEach((goldRow, i) => {
    const predictedRow = predictedRoles[i]!;
    goldRow.forEach((role, w) => {
      const guess = predictedRow[w]!;
      const goldIsArgument = role !== NO_ROLE && role !== PREDICATE_ROLE;
      const guessIsArgument = guess !== NO_ROLE && guess !== PREDICATE_ROLE;
      if (goldIsArgument) gold++;
      if (guessIsArgument) predicted++;
      if (goldIsArgument && guess === role) tp++;
    });
  });
  const { precision, recall, f1 } = precisionRecallF1(tp, predicted, gold);
  return { precision, recall, f1 };
}

/** Predicted role per word of each instance, each from its max-context window; words without pieces get O. */
export function srlWordPredictions(data: TaskData, outputs: TaskOutputs): string[][] {
  const logits = outputs.logits;
  if (!logits || logits.length !== data.features.length) throw new Error(`evaluate: expected logits for ${data.features.length} features, got ${logits?.length ?? 0}`);
  const outside = Math.max(0, data.labels.indexOf(NO_ROLE));
  return (data.examples as SrlExample[]).map((example) =>
    Array.from(wordPredictions(logits, data.labels.length, example.readout, outside), (id) => data.labels[id]!),
  );
}

export function evaluateSrl(data: TaskData, outputs: TaskOutputs): Record<string, number> {
  const scores = srlScores((data.examples as SrlExample[]).map((e) => e.roles), srlWordPredictions(data, outputs));
  return { ...scores };
}

export const srlTask: TaskSpec = {
  kind: 'srl',
  async load(path, tokenizer, options = {}) {
    return encodeSrlInstances(srlInstances(await readPropBankSentences(path, options)), tokenizer, options);
  },
  evaluate: evaluateSrl,
  primaryMetric: 'f1',
};
