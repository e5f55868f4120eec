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

function shuffled<T>(items: readonly T[]): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
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

function carveSst2(): string[] {
  const [header, ...rows] = lines(join(data, 'sst2/train.tsv'));
  const sentence = (row: string) => row.split('\t')[0]!.trim();
  const byLength = [...new Set(rows.map(sentence))].sort((a, b) => b.length - a.length);
  // A whole sentence is a phrase of at least 8 words contained in no longer phrase.
  const candidates = shuffled(byLength.filter((text) => text.split(' ').length >= 8));
  const validation = new Set<string>();
  for (const text of candidates) {
    if (validation.size === 1000) break;
    const padded = ` ${text} `;
    if (byLength.some((other) => other.length > text.length && ` ${other} `.includes(padded))) continue;
    validation.add(text);
  }
  const validationPadded = [...validation].map((text) => ` ${text} `);
  const train: string[] = [];
  const dev: string[] = [];
  for (const row of rows) {
    const text = sentence(row);
    if (validation.has(text)) { dev.push(row); continue; }
    const padded = ` ${text} `;
    if (!validationPadded.some((whole) => whole.includes(padded))) train.push(row);
  }
  writeLines(join(splits, 'sst2-train.tsv'), [header!, ...train]);
  writeLines(join(splits, 'sst2-validation.tsv'), [header!, ...dev.filter((row, i) => dev.findIndex((r) => sentence(r) === sentence(row)) === i)]);
  console.log(`sst2: ${train.length} train phrases, ${validation.size} validation sentences (${rows.length - train.length - dev.length} sub-phrases dropped)`);
  return train.map(sentence);
}

function carveStsb(): string[] {
  const [header, ...rows] = lines(join(data, 'stsb/train.tsv'));
  const order = shuffled(rows);
  const devCount = Math.round(rows.length * 0.1);
  writeLines(join(splits, 'stsb-validation.tsv'), [header!, ...order.slice(0, devCount)]);
  writeLines(join(splits, 'stsb-train.tsv'), [header!, ...order.slice(devCount)]);
  console.log(`stsb: ${rows.length - devCount} train pairs, ${devCount} validation pairs`);
  const columns = header!.split('\t');
  const first = columns.indexOf('sentence1');
  const second = columns.indexOf('sentence2');
  return order.slice(devCount).flatMap((row) => { const cells = row.split('\t'); return [cells[first]!, cells[second]!, '']; });
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
