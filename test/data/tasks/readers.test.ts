// Every reader against the project's shared data sets (row counts from shared/README.md), and the
// error messages for bad input on small temporary files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BertTokenizer, Vocab } from '../../../src/tokenizer/index.js';
import { readTextExamples } from '../../../src/data/tasks/classification.js';
import { readCharTaggedTsv, readConllSentences } from '../../../src/data/tasks/ner.js';
import { readPropBankSentences, srlInstances } from '../../../src/data/tasks/srl.js';
import { taskSpec } from '../../../src/data/tasks/registry.js';
import { sharedPath, skipWithoutShared } from '../../helpers/shared.js';

const UNCASED = 'data/vocab/bert-base-uncased';
const uncased = () => BertTokenizer.fromPretrained(sharedPath(UNCASED));

test('SST-2: 67,349 single sentences, labels 0/1', { skip: skipWithoutShared('data/sst2/train.tsv') || skipWithoutShared(UNCASED) }, async () => {
  const data = await taskSpec('classification').load(sharedPath('data/sst2/train.tsv'), uncased());
  assert.equal(data.features.length, 67349);
  assert.deepEqual(data.labels, ['0', '1']);
  const first = data.examples[0] as { text: string; textPair?: string };
  assert.equal(first.text, 'when are bears bears and ');
  assert.equal(first.textPair, undefined);
  assert.equal(data.features[0]!.label, 1);
  assert.ok(data.features.every((f) => f.inputIds.length <= 128 && f.tokenTypeIds.every((t) => t === 0)));
});

test('RTE: 2,490 pairs read with quoting disabled; label ids by value', { skip: skipWithoutShared('data/rte/train.tsv') || skipWithoutShared(UNCASED) }, async () => {
  const tokenizer = uncased();
  const data = await taskSpec('classification').load(sharedPath('data/rte/train.tsv'), tokenizer, { maxSeqLength: 256 });
  assert.equal(data.features.length, 2490);
  assert.deepEqual(data.labels, ['0', '1']);
  const first = data.examples[0] as { text: string; textPair: string };
  assert.equal(first.text, 'No Weapons of Mass Destruction Found in Iraq Yet.');
  assert.equal(first.textPair, 'Weapons of Mass Destruction Found in Iraq.');
  const expected = tokenizer.encode(first.text, first.textPair);
  assert.deepEqual(Array.from(data.features[0]!.inputIds), expected.ids);
  assert.deepEqual(Array.from(data.features[0]!.tokenTypeIds), expected.typeIds);
  // Reusing string label names from elsewhere fails on the numeric file, naming file and line.
  await assert.rejects(
    taskSpec('classification').load(sharedPath('data/rte/train.tsv'), tokenizer, { labels: ['entailment', 'not_entailment'], limit: 3 }),
    /rte\/train\.tsv:2: label '1' is not one of entailment, not_entailment/,
  );
});

test('ChnSentiCorp: 9,600 / 1,200 reviews (label\\ttext_a)', { skip: skipWithoutShared('data/chnsenticorp/train.tsv') }, async () => {
  const train = await readTextExamples(sharedPath('data/chnsenticorp/train.tsv'), 'classification');
  const dev = await readTextExamples(sharedPath('data/chnsenticorp/dev.tsv'), 'classification');
  assert.equal(train.length, 9600);
  assert.equal(dev.length, 1200);
  assert.deepEqual(new Set(train.map((e) => e.label)), new Set(['0', '1']));
  assert.ok(train[0]!.text.startsWith('选择珠江花园的原因就是方便'));
});

test('STS-B: 5,749 scored pairs, 0–5', { skip: skipWithoutShared('data/stsb/train.tsv') || skipWithoutShared(UNCASED) }, async () => {
  const data = await taskSpec('regression').load(sharedPath('data/stsb/train.tsv'), uncased());
  assert.equal(data.features.length, 5749);
  assert.deepEqual(data.labels, []);
  assert.equal(data.features[0]!.label, 5);
  assert.equal(data.features[1]!.label, 3.8);
  assert.ok(data.features.every((f) => typeof f.label === 'number' && f.label >= 0 && f.label <= 5));
  assert.ok(data.features.every((f) => f.tokenTypeIds.includes(1)), 'every STS-B example is a pair');
});

// shared/README.md calls these tags IOB1-style, but no I-X starts an entity in either file: they are IOB2
// (as Hugging Face's conll2003 copy), and the scheme is detected as such.
test('CoNLL-2003: 14,041 / 3,250 sentences, their scheme detected', { skip: skipWithoutShared('data/conll2003/train.txt') || skipWithoutShared(UNCASED) }, async () => {
  const train = await readConllSentences(sharedPath('data/conll2003/train.txt'));
  const valid = await readConllSentences(sharedPath('data/conll2003/valid.txt'));
  assert.equal(train.length, 14041);
  assert.equal(valid.length, 3250);
  assert.deepEqual(train[0]!.words, ['EU', 'rejects', 'German', 'call', 'to', 'boycott', 'British', 'lamb', '.']);
  assert.deepEqual(train[0]!.tags, ['B-ORG', 'O', 'B-MISC', 'O', 'O', 'O', 'B-MISC', 'O', 'O']);
  const data = await taskSpec('ner').load(sharedPath('data/conll2003/valid.txt'), uncased());
  assert.equal(data.examples.length, 3250);
  // Three sentences are longer than 128 tokens and take two windows each (test/data/tasks/windows.test.ts).
  assert.equal(data.features.length, 3253);
  assert.deepEqual(data.labels, ['O', 'B-LOC', 'I-LOC', 'B-MISC', 'I-MISC', 'B-ORG', 'I-ORG', 'B-PER', 'I-PER']);
  assert.equal((data.examples[0] as { scheme: string }).scheme, 'IOB2');
});

test("People's Daily NER: 1,000 / 2,318 character-tagged sentences", { skip: skipWithoutShared('data/people_daily_ner/train.tsv') || skipWithoutShared('data/vocab/bert-base-chinese') }, async () => {
  const train = await readCharTaggedTsv(sharedPath('data/people_daily_ner/train.tsv'));
  const dev = await readCharTaggedTsv(sharedPath('data/people_daily_ner/dev.tsv'));
  assert.equal(train.length, 1000);
  assert.equal(dev.length, 2318);
  assert.deepEqual(train[0]!.words.slice(0, 9), ['海', '钓', '比', '赛', '地', '点', '在', '厦', '门']);
  assert.deepEqual(train[0]!.tags.slice(7, 12), ['B-LOC', 'I-LOC', 'O', 'B-LOC', 'I-LOC']);
  const chinese = BertTokenizer.fromPretrained(sharedPath('data/vocab/bert-base-chinese'));
  const data = await taskSpec('ner').load(sharedPath('data/people_daily_ner/train.tsv'), chinese);
  assert.equal(data.examples.length, 1000);
  assert.ok(data.features.length > 1000, 'sentences longer than 126 characters take several windows');
  // One piece per character: every character of a short sentence carries its own label.
  const feature = data.features[0]!;
  assert.equal(feature.inputIds.length, train[0]!.words.length + 2);
  assert.equal(feature.tokenLabels!.filter((l) => l !== -100).length, train[0]!.words.length);
});

// Predicates counted independently: awk -F'\t' '$1 ~ /^[0-9]+$/ && $11 != "_" && $11 != ""' FILE | wc -l
test('Universal PropBank SRL: 2,002 sentences, 4,977 predicates, empty nodes skipped', { skip: skipWithoutShared('data/srl_up_english/en_ewt-up-dev.conllu') }, async () => {
  const sentences = await readPropBankSentences(sharedPath('data/srl_up_english/en_ewt-up-dev.conllu'));
  assert.equal(sentences.length, 2002);
  const instances = srlInstances(sentences);
  assert.equal(instances.length, 4977);
  const second = sentences[1]!;
  assert.equal(second.words.join(' '), 'President Bush on Tuesday nominated two individuals to replace retiring jurists on federal courts in the Washington area .');
  assert.deepEqual(second.predicates.map((p) => [p.wordIndex, p.sense]), [[4, 'nominate.01'], [8, 'replace.01']]);
  assert.deepEqual(second.predicates[0]!.roles.slice(0, 9), ['ARG0', 'O', 'O', 'ARGM-TMP', 'V', 'O', 'ARG1', 'O', 'ARG2']);
  assert.deepEqual(second.predicates[1]!.roles.slice(6, 11), ['ARG0', 'O', 'V', 'O', 'ARG1']);
  // The sentence with empty nodes 10.1 and 21.1 ("has" copies) keeps its 26 surface words.
  const elliptic = sentences.find((s) => s.id === 'answers-20111108072305AAPJTjj_ans-0005')!;
  assert.equal(elliptic.words.length, 26);
  assert.equal(elliptic.words[10], 'only');
});

test('CSV with quoting, header-less TSV, JSONL multi-label; errors name file and line', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bertkit-tasks-'));
  try {
    const csv = join(dir, 'reviews.csv');
    writeFileSync(csv, 'text,label\n"Good, really ""good""",pos\n"two\nlines",neg\nplain,pos\n');
    const examples = await readTextExamples(csv, 'classification');
    assert.deepEqual(examples.map((e) => [e.text, e.label, e.source]), [
      ['Good, really "good"', 'pos', `${csv}:2`],
      ['two\nlines', 'neg', `${csv}:3`],
      ['plain', 'pos', `${csv}:5`],
    ]);

    const headerless = join(dir, 'plain.tsv');
    writeFileSync(headerless, 'a "quoted text\t1\nb\t0\n');
    const plain = await readTextExamples(headerless, 'classification', { header: false, textColumn: '0', labelColumn: '1' });
    assert.equal(plain[0]!.text, 'a "quoted text');

    const quotedTsv = join(dir, 'quoted.tsv');
    writeFileSync(quotedTsv, 'sentence\tlabel\n"tab\tinside"\t1\n');
    assert.equal((await readTextExamples(quotedTsv, 'classification', { quoting: true }))[0]!.text, 'tab\tinside');
    await assert.rejects(readTextExamples(quotedTsv, 'classification'), /quoted\.tsv:2: expected 2 tab-separated columns, found 3/);

    const missing = join(dir, 'missing.jsonl');
    writeFileSync(missing, '{"text": "a", "label": "x"}\n{"text": "b"}\n');
    await assert.rejects(readTextExamples(missing, 'classification'), /missing\.jsonl:2: no 'label' field/);

    const jsonl = join(dir, 'topics.jsonl');
    writeFileSync(jsonl, '{"text": "stocks and football", "labels": ["finance", "sport"]}\n{"text": "goal", "labels": "sport"}\n');
    const data = await taskSpec('classification').load(jsonl, BertTokenizer.fromVocab(vocabFor(['stocks', 'and', 'football', 'goal'])), { multiLabel: true });
    assert.deepEqual(data.labels, ['finance', 'sport']);
    assert.deepEqual(Array.from(data.features[0]!.label as Float32Array), [1, 1]);
    assert.deepEqual(Array.from(data.features[1]!.label as Float32Array), [0, 1]);
    assert.equal(data.multiLabel, true);

    const ragged = join(dir, 'ragged.tsv');
    writeFileSync(ragged, 'sentence\tlabel\nfine\t1\nbroken line\n');
    await assert.rejects(readTextExamples(ragged, 'classification'), new RegExp(`${escape(ragged)}:3: expected 2 tab-separated columns, found 1`));
    await assert.rejects(readTextExamples(csv, 'classification', { labelColumn: 'polarity' }), /reviews\.csv: unknown label column 'polarity' \(columns: text, label\)/);

    const badScore = join(dir, 'sts.tsv');
    writeFileSync(badScore, 'sentence1\tsentence2\tscore\na\tb\t4.2\nc\td\thigh\n');
    await assert.rejects(readTextExamples(badScore, 'regression'), new RegExp(`${escape(badScore)}:3: score 'high' is not a number`));

    // similarity: each text of a pair encoded alone; a file without a second text is refused, naming it.
    const pairs = join(dir, 'pairs.tsv');
    writeFileSync(pairs, 'sentence1\tsentence2\tscore\nstocks and football\tgoal\t4.5\n');
    const tokenizer = BertTokenizer.fromVocab(vocabFor(['stocks', 'and', 'football', 'goal']));
    const similar = await taskSpec('similarity').load(pairs, tokenizer);
    assert.deepEqual(Array.from(similar.features[0]!.inputIds), tokenizer.encode('stocks and football').ids);
    assert.deepEqual(Array.from(similar.features[0]!.pairInputIds!), tokenizer.encode('goal').ids);
    assert.deepEqual(Array.from(similar.features[0]!.tokenTypeIds), [0, 0, 0, 0, 0]);
    assert.equal(similar.features[0]!.label, 4.5);
    const single = join(dir, 'single.tsv');
    writeFileSync(single, 'sentence\tscore\nalone\t1\n');
    await assert.rejects(taskSpec('similarity').load(single, tokenizer), new RegExp(`${escape(single)}: similarity needs a pair of texts per row; no text pair column`));

    const unclosed = join(dir, 'unclosed.csv');
    writeFileSync(unclosed, 'text,label\n"never closed,1\n');
    await assert.rejects(readTextExamples(unclosed, 'classification'), new RegExp(`${escape(unclosed)}:2: quoted cell is never closed`));

    const conll = join(dir, 'bad.conll');
    writeFileSync(conll, '-DOCSTART- -X- -X- O\n\nEU NNP B-NP B-ORG\nrejects VBZ B-VP X-ORG\n');
    await assert.rejects(readConllSentences(conll), new RegExp(`${escape(conll)}:4: tag 'X-ORG' is not O or B-/I-/E-/S-TYPE`));

    const chars = join(dir, 'chars.tsv');
    writeFileSync(chars, 'text_a\tlabel\n北 京\tB-LOC\n');
    await assert.rejects(readCharTaggedTsv(chars), new RegExp(`${escape(chars)}:2: 2 characters but 1 tags`));

    const conllu = join(dir, 'mwt.conllu');
    writeFileSync(conllu, [
      '# sent_id = s1',
      '1-2\tdon\'t\t_\t_\t_\t_\t_\t_\t_\t_\t_',
      '1\tdo\tdo\tAUX\tVBP\t_\t3\taux\t_\t_\t_\t_',
      '2\tn\'t\tnot\tPART\tRB\t_\t3\tadvmod\t_\t_\t_\tARGM-NEG',
      '3\tgo\tgo\tVERB\tVB\t_\t0\troot\t_\t_\tgo.01\tV',
      '', ''].join('\n'));
    const [sentence] = await readPropBankSentences(conllu);
    assert.deepEqual(sentence!.words, ['do', "n't", 'go']);
    assert.deepEqual(sentence!.predicates, [{ wordIndex: 2, sense: 'go.01', roles: ['O', 'ARGM-NEG', 'V'] }]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function vocabFor(words: string[]) {
  return Vocab.fromTokens(['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', ...words]);
}
