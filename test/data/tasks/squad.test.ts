import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BertTokenizer } from '../../../src/tokenizer/index.js';
import { answerF1, bestQaSpan, exactMatch, normalizeAnswer, qaPredictions, readSquadExamples, squadScores, type EncodedQaExample } from '../../../src/data/tasks/squad.js';
import { taskSpec } from '../../../src/data/tasks/registry.js';
import { sharedPath, skipWithoutShared } from '../../helpers/shared.js';

// Expected values follow SQuAD v1.1's evaluate-v1.1.py by hand: normalize_answer lowercases, removes
// string.punctuation, then \b(a|an|the)\b, then collapses whitespace; F1 is bag-of-tokens overlap.
test('normalize_answer as the official v1.1 script', () => {
  assert.equal(normalizeAnswer('The  Quick, Brown fox!'), 'quick brown fox');
  assert.equal(normalizeAnswer('an apple a day'), 'apple day');
  assert.equal(normalizeAnswer('Theater'), 'theater');
  assert.equal(normalizeAnswer("the U.S.'s"), 'uss');
  assert.equal(normalizeAnswer('A-team'), 'ateam');
  // Python's \b is Unicode-aware: "the" inside "déthe" is no word of its own.
  assert.equal(normalizeAnswer('déthe'), 'déthe');
  assert.equal(normalizeAnswer('«the» end'), '« » end');
});

test('exact match and F1 per answer, and the max over gold answers', () => {
  assert.equal(exactMatch('Denver Broncos', 'denver broncos.'), true);
  assert.equal(exactMatch('the Broncos', 'Denver Broncos'), false);
  assert.ok(Math.abs(answerF1('the cat sat', 'a cat sat on the mat') - 2 / 3) < 1e-12);
  // Repeated tokens count once per match (Counter intersection): x x y vs x y y → 2 common of 3 and 3.
  assert.ok(Math.abs(answerF1('x x y', 'x y y') - 2 / 3) < 1e-12);
  assert.equal(answerF1('the', 'a'), 0);
  const examples = [
    { id: 'q1', question: '', context: '', answers: [{ text: 'Denver Broncos', answerStart: 0 }, { text: 'Broncos', answerStart: 7 }] },
    { id: 'q2', question: '', context: '', answers: [{ text: 'Santa Clara, California', answerStart: 0 }] },
  ];
  const scores = squadScores(new Map([['q1', 'the Broncos'], ['q2', 'Santa Clara']]), examples);
  assert.equal(scores.exact_match, 50);
  // q1: EM with the second answer (F1 1); q2: P 1, R 2/3 → F1 0.8.
  assert.ok(Math.abs(scores.f1 - 90) < 1e-9);
});

const UNCASED = 'data/vocab/bert-base-uncased';

test('SQuAD features: stride windows, answer positions through offsets, best span across windows', { skip: skipWithoutShared(UNCASED) }, async () => {
  const tokenizer = BertTokenizer.fromPretrained(sharedPath(UNCASED));
  const filler = 'The river flows past the old mill and under three stone bridges before it reaches the sea. ';
  const answer = 'Beatrice Montague-Smythe';
  const context = `${filler.repeat(4)}The mill was built in 1820 by ${answer}, an engineer from Leeds. ${filler.repeat(3)}`;
  const dir = mkdtempSync(join(tmpdir(), 'bertkit-squad-'));
  try {
    const path = join(dir, 'squad.json');
    const answerStart = context.indexOf(answer);
    writeFileSync(path, JSON.stringify({ version: '1.1', data: [{ title: 'Mill', paragraphs: [{ context, qas: [
      { id: 'who', question: 'Who built the mill?', answers: [{ text: answer, answer_start: answerStart }, { text: 'Montague-Smythe', answer_start: answerStart + 9 }] },
    ] }] }] }));
    const examples = await readSquadExamples(path);
    assert.equal(examples.length, 1);

    const spec = taskSpec('qa');
    const data = await spec.load(path, tokenizer, { maxSeqLength: 48, stride: 16 });
    const example = data.examples[0] as EncodedQaExample;
    assert.ok(example.windows.length >= 4, `${example.windows.length} windows`);
    const holding = data.features.filter((f) => f.startPosition! > 0);
    assert.ok(holding.length >= 1 && holding.length < data.features.length, 'some windows hold the answer, others do not (0, 0)');
    for (const window of example.windows) {
      const feature = data.features[window.featureIndex]!;
      assert.ok(feature.inputIds.length <= 48);
      // Question first, then the context window.
      assert.deepEqual(tokenizer.decode(Array.from(feature.inputIds.subarray(0, 7))), '[CLS] who built the mill? [SEP]');
      if (feature.startPosition === 0) {
        assert.equal(feature.endPosition, 0);
        continue;
      }
      const [start] = window.contextOffsets[feature.startPosition!]!;
      const [, end] = window.contextOffsets[feature.endPosition!]!;
      assert.equal(context.slice(start, end), answer);
    }
    // Consecutive windows share `stride` context tokens.
    const contextTokens = (f: number) => example.windows[f]!.contextOffsets.filter((o) => o !== null).map((o) => o!.join(':'));
    assert.deepEqual(contextTokens(0).slice(-16), contextTokens(1).slice(0, 16));

    // Logits: the answer's tokens get 5 in the window that holds it (0 elsewhere there); in another window
    // (-100 elsewhere) larger scores sit on question tokens, then on a span longer than 30 tokens.
    const target = holding[0]!;
    const startLogits = data.features.map((f) => new Float32Array(f.inputIds.length));
    const endLogits = data.features.map((f) => new Float32Array(f.inputIds.length));
    const targetIndex = data.features.indexOf(target);
    startLogits[targetIndex]![target.startPosition!] = 5;
    endLogits[targetIndex]![target.endPosition!] = 5;
    const other = targetIndex === 0 ? 1 : 0;
    startLogits[other]!.fill(-100);
    endLogits[other]!.fill(-100);
    startLogits[other]![2] = 50;
    endLogits[other]![3] = 50;
    const predictions = qaPredictions(data, { startLogits, endLogits });
    assert.equal(predictions.get('who'), answer);
    const span = bestQaSpan(example, startLogits, endLogits);
    assert.deepEqual([span.start, span.end, span.logit], [answerStart, answerStart + answer.length, 10]);
    // Probability: softmax of 5 among n-1 zeros, for start and for end, in the answer's window.
    const n = target.inputIds.length;
    assert.ok(Math.abs(span.probability - (Math.exp(5) / (Math.exp(5) + n - 1)) ** 2) < 1e-6);
    const metrics = spec.evaluate(data, { startLogits, endLogits });
    assert.deepEqual(metrics, { exact_match: 100, f1: 100 });
    // A longer limit than the window lets a wide high-scoring span win; maxAnswerLength 30 keeps it out.
    const firstContext = example.windows[other]!.contextOffsets.findIndex((o) => o !== null);
    const lastContext = example.windows[other]!.contextOffsets.length - 2;
    startLogits[other]![firstContext] = 40;
    endLogits[other]![lastContext] = 40;
    assert.equal(qaPredictions(data, { startLogits, endLogits }, { maxAnswerLength: 30 }).get('who'), answer);
    assert.notEqual(qaPredictions(data, { startLogits, endLogits }, { maxAnswerLength: 100 }).get('who'), answer);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("answer_start counts code points, as Python's SQuAD files do", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bertkit-squad-'));
  try {
    const path = join(dir, 'emoji.json');
    const context = 'Fans 😀😀 cheered for Denver.';
    // Python: context.index('Denver') == 20 (each emoji is one character); in UTF-16 it is 22.
    writeFileSync(path, JSON.stringify({ data: [{ paragraphs: [{ context, qas: [{ id: 'e', question: 'Who?', answers: [{ text: 'Denver', answer_start: 20 }] }] }] }] }));
    const [example] = await readSquadExamples(path);
    assert.equal(example!.answers[0]!.answerStart, 22);
    assert.equal(context.slice(22, 28), 'Denver');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('SQuAD file errors name the place', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bertkit-squad-'));
  try {
    const path = join(dir, 'bad.json');
    writeFileSync(path, JSON.stringify({ data: [{ paragraphs: [{ context: 'c', qas: [{ id: 'x', question: 'q', answers: [{ text: 'c' }] }] }] }] }));
    await assert.rejects(readSquadExamples(path), /bad\.json: data\[0\]\.paragraphs\[0\]\.qas\[0\]\.answers\[0\]: needs 'text' and a numeric 'answer_start'/);
    writeFileSync(path, '{"data": [');
    await assert.rejects(readSquadExamples(path), /bad\.json:1:11: invalid JSON: unexpected end of JSON/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
