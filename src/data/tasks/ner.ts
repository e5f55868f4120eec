// Named-entity recognition: CoNLL column files (CoNLL-2003: `word POS chunk NER`, the tag in the last
// column) and character-level TSV (`text_a\tlabel`, space-separated characters and tags, as the
// People's Daily set). IOB1 tags are trained as IOB2 (the same entities, one start tag per entity);
// evaluation reads the gold tags with their own scheme's entity semantics. A sentence longer than the
// max sequence length becomes overlapping windows, one feature each (word-alignment.ts), and every
// word is predicted from its max-context window, so entity scores cover whole sentences.

import type { BertTokenizer } from '../../tokenizer/index.js';
import { detectScheme, entityScores, toIob2, type EntityMode } from './entities.js';
import { readTable, readUtf8File, requireColumn } from './table.js';
import { type TaggingScheme, type TaskData, type TaskFeatures, type TaskLoadOptions, type TaskOutputs, type TaskSpec, defaultMaxSeqLength } from './task.js';
import { appendWordFeatures, encodeWordWindows, wordLabelIds, wordPredictions, type WordReadout } from './word-alignment.js';
import { defaultStride } from './windows.js';

export interface TaggedSentence {
  words: string[];
  /** One tag per word, as in the file. */
  tags: string[];
  /** `path:line` of the sentence's first word. */
  source: string;
}

export interface NerExample extends TaggedSentence {
  /** The tags the model learns: `tags` in IOB2 when the file is IOB1, else `tags`. */
  trainingTags: string[];
  /** The scheme of `tags`. */
  scheme: TaggingScheme;
  /** Position of each word's first piece in the sentence's full (unwindowed) encoding; -1 for a word without pieces. */
  firstTokenOfWord: Int32Array;
  /** Per word, the feature (index into TaskData.features) and token its prediction is read from. */
  readout: WordReadout;
}

const TAG_PATTERN = /^(O|[BIES]-.+)$/;

/** Sentences of a CoNLL file: one `word … tag` line per word, blank lines between sentences, -DOCSTART- lines dropped. */
export async function readConllSentences(path: string, options: { limit?: number } = {}): Promise<TaggedSentence[]> {
  const lines = (await readUtf8File(path)).split('\n');
  const sentences: TaggedSentence[] = [];
  let current: TaggedSentence | null = null;
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!.trim();
    if (line.length === 0 || line.startsWith('-DOCSTART-')) {
      if (current) sentences.push(current);
      current = null;
      if (options.limit !== undefined && sentences.length >= options.limit) break;
      continue;
    }
    const columns = line.split(/\s+/);
    if (columns.length < 2) throw new Error(`${path}:${index + 1}: expected 'word … tag' columns, found '${line}'`);
    const tag = columns[columns.length - 1]!;
    checkTag(tag, `${path}:${index + 1}`);
    current ??= { words: [], tags: [], source: `${path}:${index + 1}` };
    current.words.push(columns[0]!);
    current.tags.push(tag);
  }
  if (current && (options.limit === undefined || sentences.length < options.limit)) sentences.push(current);
  return sentences;
}

/** Sentences of a character-level TSV with columns `text_a` (space-separated characters) and `label` (space-separated tags). */
export async function readCharTaggedTsv(path: string, options: TaskLoadOptions = {}): Promise<TaggedSentence[]> {
  const table = await readTable(path, { format: 'tsv', header: options.header ?? true, quoting: false });
  const textColumn = requireColumn(table, options.textColumn ?? (options.header === false ? '0' : 'text_a'), 'text');
  const labelColumn = requireColumn(table, options.labelColumn ?? (options.header === false ? '1' : 'label'), 'label');
  const rows = options.limit === undefined ? table.rows : table.rows.slice(0, options.limit);
  return rows.map((row) => {
    const where = `${path}:${row.line}`;
    const words = row.cells[textColumn]!.split(' ').filter((w) => w !== '');
    const tags = row.cells[labelColumn]!.split(' ').filter((t) => t !== '');
    if (words.length !== tags.length) throw new Error(`${where}: ${words.length} characters but ${tags.length} tags`);
    tags.forEach((tag) => checkTag(tag, where));
    return { words, tags, source: where };
  });
}

function checkTag(tag: string, where: string): void {
  if (!TAG_PATTERN.test(tag)) throw new Error(`${where}: tag '${tag}' is not O or B-/I-/E-/S-TYPE`);
}

/** Training label names: O first, then by type, prefixes in B, I, E, S order. */
export function tagLabelNames(sentences: readonly (readonly string[])[]): string[] {
  const tags = new Set<string>();
  for (const sentence of sentences) for (const tag of sentence) tags.add(tag);
  const prefixOrder = 'BIES';
  return [...tags].sort((a, b) => {
    if (a === 'O' || b === 'O') return a === 'O' ? (b === 'O' ? 0 : -1) : 1;
    const byType = a.slice(2).localeCompare(b.slice(2));
    return byType !== 0 ? byType : prefixOrder.indexOf(a[0]!) - prefixOrder.indexOf(b[0]!);
  });
}

/** Encodes tagged sentences, each as one feature or (longer than maxSeqLength) several overlapping windows; each word's label sits on its first piece. */
export function encodeNerExamples(sentences: readonly TaggedSentence[], tokenizer: BertTokenizer, options: TaskLoadOptions = {}): TaskData {
  const scheme = options.scheme ?? detectScheme(sentences.map((s) => s.tags));
  const trainingTags = sentences.map((s) => (scheme === 'IOB1' ? toIob2(s.tags) : s.tags));
  const labels = options.labels ?? tagLabelNames(trainingTags);
  const maxLength = options.maxSeqLength ?? defaultMaxSeqLength('ner');
  const stride = options.stride ?? defaultStride(maxLength);
  const examples: NerExample[] = [];
  const features: TaskFeatures[] = [];
  sentences.forEach((sentence, exampleIndex) => {
    const tags = trainingTags[exampleIndex]!;
    const ids = wordLabelIds(labels, tags, options.labels !== undefined, sentence.source, 'tag');
    const encoded = encodeWordWindows(tokenizer, sentence.words, { maxLength, stride, where: sentence.source });
    const readout = appendWordFeatures(features, encoded, ids, exampleIndex);
    examples.push({ ...sentence, trainingTags: tags, scheme, firstTokenOfWord: encoded.firstTokenOfWord, readout });
  });
  return { kind: 'ner', labels, examples, features };
}

/** Predicted tag per word of each example (in the training labels' scheme), each from its max-context window; words without pieces get 'O'. */
export function nerWordPredictions(data: TaskData, outputs: TaskOutputs): string[][] {
  const logits = outputs.logits;
  if (!logits || logits.length !== data.features.length) throw new Error(`evaluate: expected logits for ${data.features.length} features, got ${logits?.length ?? 0}`);
  const outside = Math.max(0, data.labels.indexOf('O'));
  return (data.examples as NerExample[]).map((example) =>
    Array.from(wordPredictions(logits, data.labels.length, example.readout, outside), (id) => data.labels[id]!),
  );
}

/** Entity P/R/F1 (micro, and per type as `f1_TYPE` …) and word-level tag accuracy. */
export function evaluateNer(data: TaskData, outputs: TaskOutputs, mode: EntityMode = 'conlleval'): Record<string, number> {
  const examples = data.examples as NerExample[];
  const predicted = nerWordPredictions(data, outputs);
  const strictScheme: TaggingScheme = examples[0]?.scheme === 'IOBES' ? 'IOBES' : 'IOB2';
  const gold = examples.map((e) => (mode === 'strict' ? e.trainingTags : e.tags));
  const scores = entityScores(gold, predicted, { mode, scheme: strictScheme });
  let words = 0;
  let correct = 0;
  examples.forEach((example, s) => {
    example.trainingTags.forEach((tag, w) => {
      words++;
      if (predicted[s]![w] === tag) correct++;
    });
  });
  const metrics: Record<string, number> = { precision: scores.precision, recall: scores.recall, f1: scores.f1, accuracy: words === 0 ? 0 : correct / words };
  for (const [type, typeScores] of Object.entries(scores.perType)) {
    metrics[`precision_${type}`] = typeScores.precision;
    metrics[`recall_${type}`] = typeScores.recall;
    metrics[`f1_${type}`] = typeScores.f1;
  }
  return metrics;
}

export function nerTask(mode: EntityMode = 'conlleval'): TaskSpec {
  return {
    kind: 'ner',
    async load(path, tokenizer, options = {}) {
      const format = options.nerFormat ?? (/\.(tsv|csv)$/i.test(path) ? 'chars-tsv' : 'conll');
      const sentences = format === 'chars-tsv' ? await readCharTaggedTsv(path, options) : await readConllSentences(path, options);
      return encodeNerExamples(sentences, tokenizer, options);
    },
    evaluate: (data, outputs) => evaluateNer(data, outputs, mode),
    primaryMetric: 'f1',
  };
}
