// Small synthetic fine-tuning sets the fixture model (bert-tiny-uncased, random weights) can learn in
// a second: sentiment decided by one keyword, person names tagged in CoNLL format, and pairs scored
// by the topics they share.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from '../../src/runtime/rng.js';

const POSITIVE = ['great', 'wonderful', 'excellent', 'superb', 'lovely'];
const NEGATIVE = ['awful', 'terrible', 'boring', 'dreadful', 'poor'];
const FILLER = ['the', 'movie', 'was', 'really', 'quite', 'a', 'film', 'story', 'acting', 'plot', 'and', 'so'];

/** `count` sentences of five filler words and one sentiment keyword; label 1 = positive. Unbalanced by `positiveShare`. */
export function sentimentTsv(count: number, seed: number, positiveShare = 0.5): string {
  const rng = new Rng(seed);
  const lines = ['sentence\tlabel'];
  for (let i = 0; i < count; i++) {
    const positive = rng.uniform() < positiveShare;
    const words = Array.from({ length: 5 }, () => FILLER[rng.int(FILLER.length)]!);
    words.splice(rng.int(6), 0, (positive ? POSITIVE : NEGATIVE)[rng.int(5)]!);
    lines.push(`${words.join(' ')}\t${positive ? 1 : 0}`);
  }
  return `${lines.join('\n')}\n`;
}

export const FIRST_NAMES = ['John', 'Mary', 'Peter', 'Anna', 'James'];
export const LAST_NAMES = ['Smith', 'Jones', 'Brown', 'Taylor', 'Wilson'];
const WORDS = ['visited', 'the', 'city', 'yesterday', 'and', 'met', 'friends', 'at', 'home', 'today'];

/** CoNLL sentences (`word POS chunk tag`) with one two-word person name (B-PER I-PER) among filler words. */
export function personConll(count: number, seed: number): string {
  const rng = new Rng(seed);
  const sentences: string[] = [];
  for (let i = 0; i < count; i++) {
    const words = Array.from({ length: 4 }, () => [WORDS[rng.int(WORDS.length)]!, 'O']);
    words.splice(rng.int(5), 0, [FIRST_NAMES[rng.int(5)]!, 'B-PER'], [LAST_NAMES[rng.int(5)]!, 'I-PER']);
    sentences.push(words.map(([word, tag]) => `${word} X X ${tag}`).join('\n'));
  }
  return `${sentences.join('\n\n')}\n`;
}

const TOPICS = ['football', 'music', 'cooking', 'travel', 'science', 'history', 'art', 'money'];

/**
 * `count` scored pairs (STS-B's columns): each text names two topics among filler words; the score
 * is how many topics the two share (0, 1 or 2). What a bag of words would see, but so would a
 * sentence-embedding model that learns to weigh topic words over fillers.
 */
export function similarityTsv(count: number, seed: number): string {
  const rng = new Rng(seed);
  const topics = (): string[] => {
    const first = rng.int(TOPICS.length);
    return [TOPICS[first]!, TOPICS[(first + 1 + rng.int(TOPICS.length - 1)) % TOPICS.length]!];
  };
  const text = (words: string[]): string => {
    const all = Array.from({ length: 4 }, () => FILLER[rng.int(FILLER.length)]!);
    for (const word of words) all.splice(rng.int(all.length + 1), 0, word);
    return all.join(' ');
  };
  const lines = ['sentence1\tsentence2\tscore'];
  for (let i = 0; i < count; i++) {
    const a = topics();
    const others = TOPICS.filter((topic) => !a.includes(topic));
    const other = (): string => others.splice(rng.int(others.length), 1)[0]!;
    const shared = rng.int(3);
    const b = shared === 2 ? [a[1]!, a[0]!] : shared === 1 ? [a[rng.int(2)]!, other()] : [other(), other()];
    lines.push(`${text(a)}\t${text(b)}\t${shared}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Writes train.tsv / dev.tsv (sentiment) and train.conll / dev.conll (names) into `dir`. */
export function writeSyntheticTasks(dir: string): { sentimentTrain: string; sentimentDev: string; nerTrain: string; nerDev: string } {
  const paths = { sentimentTrain: join(dir, 'train.tsv'), sentimentDev: join(dir, 'dev.tsv'), nerTrain: join(dir, 'train.conll'), nerDev: join(dir, 'dev.conll') };
  writeFileSync(paths.sentimentTrain, sentimentTsv(160, 1));
  writeFileSync(paths.sentimentDev, sentimentTsv(48, 2));
  writeFileSync(paths.nerTrain, personConll(120, 3));
  writeFileSync(paths.nerDev, personConll(30, 4));
  return paths;
}

/** A SQuAD v1.1 file of `count` questions "Where did NAME go?" over "NAME went to PLACE …" contexts. */
export function placesSquad(count: number, seed: number): string {
  const rng = new Rng(seed);
  const places = ['paris', 'london', 'rome', 'berlin', 'madrid'];
  const paragraphs = Array.from({ length: count }, (_, i) => {
    const name = FIRST_NAMES[rng.int(5)]!, place = places[rng.int(5)]!;
    const prefix = `${WORDS[rng.int(WORDS.length)]} ${name} went to `;
    const context = `${prefix}${place} and ${WORDS[rng.int(WORDS.length)]} came home.`;
    return { context, qas: [{ id: `q${i}`, question: `Where did ${name} go?`, answers: [{ text: place, answer_start: prefix.length }] }] };
  });
  return JSON.stringify({ version: '1.1', data: [{ title: 'places', paragraphs }] });
}

/** Fine-tunes the fixture on a synthetic task file pair into `outputDir` (library API, one thread). */
export async function trainFixtureModel(kind: 'classification' | 'ner' | 'qa', train: string, dev: string, outputDir: string, fixtureDir: string, epochs = 8): Promise<void> {
  const { BertTokenizer } = await import('../../src/tokenizer/bert-tokenizer.js');
  const { taskSpec } = await import('../../src/data/tasks/registry.js');
  const { finetune } = await import('../../src/train/finetune.js');
  const { prepareFinetuneModel, taskLabelsOf } = await import('../../src/train/finetune-model.js');
  const tokenizer = BertTokenizer.fromPretrained(fixtureDir);
  const spec = taskSpec(kind);
  const maxSeqLength = kind === 'qa' ? 48 : 32;
  const trainData = await spec.load(train, tokenizer, { maxSeqLength });
  const devData = await spec.load(dev, tokenizer, { maxSeqLength, ...(trainData.labels.length > 0 ? { labels: trainData.labels } : {}) });
  await finetune({
    task: spec, train: trainData, dev: devData, tokenizer, model: await prepareFinetuneModel(fixtureDir, taskLabelsOf(trainData), 0),
    outputDir, seed: 0, epochs, batchSize: 16, learningRate: 5e-3, threads: 1, settings: { maxSeqLength },
  });
}
