// Carves validation splits from the shared training files and writes the pretraining corpus of the
// README's fine-tuning scores: node dist/bench/scores/prepare.js SHARED_DIR OUT_DIR
//
// Why each carve looks the way it does:
// - SST-2's training file holds every phrase of every training sentence, so a random row split would
//   put sub-phrases of validation sentences into training. Validation takes whole sentences (phrases
//   inside no other phrase), as GLUE's dev set does, and training drops every phrase inside them.
// - STS-B pairs are independent: a random 10 % (GLUE's dev is 1,500 of 7,249).
// - Universal PropBank has only en_ewt-up-dev.conllu: 20 % of its documents (not sentences, so a
//   post's sentences stay together) become validation.
// - CoNLL-2003, ChnSentiCorp and People's Daily NER ship their own dev files and are used as they are.
// The corpus is Gutenberg plus the training side of every task (never validation text), one file each.
// splits/tuning/ carves SST-2, STS-B and CoNLL-2003 once more, from their training side only, the same ways
// (CoNLL-2003 by documents), for choosing fine-tuning settings: finetune-sweep.sh.

import { mkdirSync, readFileSync, writeFileSync, readdirSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from '../../src/runtime/rng.js';

const [sharedDir, outDir] = process.argv.slice(2);
if (!sharedDir || !outDir) throw new Error('usage: prepare.js SHARED_DIR OUT_DIR');
const data = join(sharedDir, 'data');
const splits = join(outDir, 'splits');
const corpus = join(outDir, 'corpus');
mkdirSync(splits, { recursive: true });
mkdirSync(corpus, { recursive: true });
const rng = new Rng(20261125);

function shuffled<T>(items: readonly T[], random: Rng = rng): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = random.int(i + 1);
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy;
}

function lines(path: string): string[] {
  return readFileSync(path, 'utf8').split('\n').filter((line) => line.length > 0);
}

function writeLines(path: string, rows: readonly string[]): void {
  writeFileSync(path, rows.join('\n') + '\n');
}

// SST-2's rows are phrases: `count` whole sentences (phrases of 8+ words inside no longer phrase) become
// dev, and every phrase inside one of them leaves training.
function splitWholeSentences(rows: readonly string[], count: number, random: Rng): { train: string[]; dev: string[] } {
  const sentence = (row: string) => row.split('\t')[0]!.trim();
  const byLength = [...new Set(rows.map(sentence))].sort((a, b) => b.length - a.length);
  const candidates = shuffled(byLength.filter((text) => text.split(' ').length >= 8), random);
  const whole = new Set<string>();
  for (const text of candidates) {
    if (whole.size === count) break;
    const padded = ` ${text} `;
    if (byLength.some((other) => other.length > text.length && ` ${other} `.includes(padded))) continue;
    whole.add(text);
  }
  const wholePadded = [...whole].map((text) => ` ${text} `);
  const train: string[] = [];
  const dev: string[] = [];
  for (const row of rows) {
    const text = sentence(row);
    if (whole.has(text)) { dev.push(row); continue; }
    const padded = ` ${text} `;
    if (!wholePadded.some((sentenceText) => sentenceText.includes(padded))) train.push(row);
  }
  return { train, dev: dev.filter((row, i) => dev.findIndex((r) => sentence(r) === sentence(row)) === i) };
}

function carveSst2(): string[] {
  const [header, ...rows] = lines(join(data, 'sst2/train.tsv'));
  const { train, dev } = splitWholeSentences(rows, 1000, rng);
  writeLines(join(splits, 'sst2-train.tsv'), [header!, ...train]);
  writeLines(join(splits, 'sst2-validation.tsv'), [header!, ...dev]);
  console.log(`sst2: ${train.length} train phrases, ${dev.length} validation sentences (${rows.length - train.length - dev.length} sub-phrases dropped)`);
  return train.map((row) => row.split('\t')[0]!.trim());
}

// A random `fraction` of the items becomes dev; both sides keep the shuffled order.
function splitShuffled<T>(items: readonly T[], fraction: number, random: Rng): { train: T[]; dev: T[] } {
  const order = shuffled(items, random);
  const devCount = Math.round(items.length * fraction);
  return { train: order.slice(devCount), dev: order.slice(0, devCount) };
}

function carveStsb(): string[] {
  const [header, ...rows] = lines(join(data, 'stsb/train.tsv'));
  const { train, dev } = splitShuffled(rows, 0.1, rng);
  writeLines(join(splits, 'stsb-validation.tsv'), [header!, ...dev]);
  writeLines(join(splits, 'stsb-train.tsv'), [header!, ...train]);
  console.log(`stsb: ${train.length} train pairs, ${dev.length} validation pairs`);
  const columns = header!.split('\t');
  const first = columns.indexOf('sentence1');
  const second = columns.indexOf('sentence2');
  return train.flatMap((row) => { const cells = row.split('\t'); return [cells[first]!, cells[second]!, '']; });
}

function carveSrl(): string[] {
  const text = readFileSync(join(data, 'srl_up_english/en_ewt-up-dev.conllu'), 'utf8');
  const documents = text.split(/(?=^# newdoc)/m).filter((doc) => doc.trim().length > 0);
  const order = shuffled(documents.map((_, i) => i));
  const validation = new Set(order.slice(0, Math.round(documents.length * 0.2)));
  const pick = (inValidation: boolean) => documents.filter((_, i) => validation.has(i) === inValidation);
  const normalise = (docs: string[]) => docs.map((doc) => doc.replace(/\n+$/, '') + '\n\n').join('');
  writeFileSync(join(splits, 'srl-train.conllu'), normalise(pick(false)));
  writeFileSync(join(splits, 'srl-validation.conllu'), normalise(pick(true)));
  const sentences = (docs: string[]) => docs.join('').split('\n').filter((line) => line.startsWith('# text = ')).length;
  console.log(`srl: ${pick(false).length} train documents (${sentences(pick(false))} sentences), ${validation.size} validation documents (${sentences(pick(true))} sentences)`);
  return pick(false).flatMap((doc) => [...doc.split('\n').filter((line) => line.startsWith('# text = ')).map((line) => line.slice(9)), '']);
}

function conllText(): string[] {
  const out: string[] = [];
  let words: string[] = [];
  for (const line of readFileSync(join(data, 'conll2003/train.txt'), 'utf8').split('\n')) {
    if (line.startsWith('-DOCSTART-')) { out.push(''); continue; }
    if (line.trim() === '') { if (words.length > 0) out.push(words.join(' ')); words = []; continue; }
    words.push(line.split(' ')[0]!);
  }
  return out;
}

function column(path: string, name: string, join = (cell: string) => cell): string[] {
  const [header, ...rows] = lines(path);
  const index = header!.split('\t').indexOf(name);
  return rows.map((row) => join(row.split('\t')[index] ?? ''));
}

writeLines(join(corpus, 'sst2.txt'), carveSst2());
writeLines(join(corpus, 'stsb.txt'), carveStsb());
writeLines(join(corpus, 'srl.txt'), carveSrl());
writeLines(join(corpus, 'conll2003.txt'), conllText());
// Reviews and news sentences are one-paragraph documents: a blank line after each.
writeLines(join(corpus, 'chnsenticorp.txt'), column(join(data, 'chnsenticorp/train.tsv'), 'text_a').flatMap((text) => [text, '']));
writeLines(join(corpus, 'people_daily.txt'), column(join(data, 'people_daily_ner/train.tsv'), 'text_a', (cell) => cell.replaceAll(' ', '')));
for (const book of readdirSync(join(data, 'corpus/gutenberg'))) copyFileSync(join(data, 'corpus/gutenberg', book), join(corpus, book));
console.log(`corpus: ${readdirSync(corpus).length} files in ${corpus}`);

// Tuning splits, carved from the training side alone with a seed of their own (the splits above stay as
// they were): learning rates and epochs are chosen on them, never on validation (finetune-sweep.sh).
const tuning = join(splits, 'tuning');
const tuningRng = new Rng(20261204);
mkdirSync(tuning, { recursive: true });
function writeTuning(name: string, extension: string, header: string | undefined, split: { train: string[]; dev: string[] }): void {
  const withHeader = (rows: string[]) => (header === undefined ? rows : [header, ...rows]);
  writeLines(join(tuning, `${name}-train.${extension}`), withHeader(split.train));
  writeLines(join(tuning, `${name}-dev.${extension}`), withHeader(split.dev));
  console.log(`tuning ${name}: ${split.train.length} train, ${split.dev.length} dev`);
}
const [sst2Header, ...sst2Rows] = lines(join(splits, 'sst2-train.tsv'));
writeTuning('sst2', 'tsv', sst2Header, splitWholeSentences(sst2Rows, 1000, tuningRng));
const [stsbHeader, ...stsbRows] = lines(join(splits, 'stsb-train.tsv'));
writeTuning('stsb', 'tsv', stsbHeader, splitShuffled(stsbRows, 0.1, tuningRng));
// CoNLL-2003 by documents (each starts at its -DOCSTART- line), 10 % of them.
const conllDocuments = readFileSync(join(data, 'conll2003/train.txt'), 'utf8').split(/(?=^-DOCSTART-)/m).filter((doc) => doc.startsWith('-DOCSTART-'));
const conll = splitShuffled(conllDocuments.map((doc) => doc.replace(/\n+$/, '\n')), 0.1, tuningRng);
writeTuning('conll2003', 'txt', undefined, conll);
