// How faithful are the explanations? A deletion study (DeYoung et al. 2020's comprehensiveness, Samek
// et al. 2017's perturbation curves) on a fine-tuned classifier: for each validation sentence, the
// word pieces are removed most-important-first by each method's attributions, and the probability of
// the class the model predicted on the whole sentence is read after each removal.
//   node dist/bench/scores/faithfulness.js MODEL_DIR DATA.tsv OUT_DIR [SENTENCES=200]
// Methods: integrated gradients (50 Gauss–Legendre points), gradient × input, attention rollout, and a
// random order (the floor a method has to beat). Removal fractions 0, 10 %, …, 100 % of the pieces
// ([CLS] and [SEP] stay). AOPC = the mean over the fractions > 0 of p(class | whole) − p(class | removed);
// the larger, the more the top-ranked pieces carried the decision. Writes faithfulness.{json,md,svg}.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readTable } from '../../src/data/tasks/table.js';
import { type ExplainMethod, Explainer } from '../../src/explain/explain.js';
import { padRows } from '../../src/model/batching.js';
import { BertRunner } from '../../src/model/runner.js';
import { Rng } from '../../src/runtime/rng.js';
import { chartSvg } from '../../src/train/svg-chart.js';

const [modelDir, dataPath, outDir, count = '200'] = process.argv.slice(2);
if (!modelDir || !dataPath || !outDir) throw new Error('usage: faithfulness.js MODEL_DIR DATA.tsv OUT_DIR [SENTENCES]');
const FRACTIONS = Array.from({ length: 11 }, (_, i) => i / 10);
const METHODS: { name: string; method?: ExplainMethod; color: string }[] = [
  { name: 'integrated gradients', method: 'integrated-gradients', color: '#1f77b4' },
  { name: 'gradient × input', method: 'gradient-x-input', color: '#ff7f0e' },
  { name: 'attention rollout', method: 'attention-rollout', color: '#2ca02c' },
  { name: 'random', color: '#7f7f7f' },
];

const table = await readTable(dataPath);
const texts = table.rows.slice(0, Number(count)).map((row) => row.cells.sentence ?? row.cells.text!);
const explainer = await Explainer.load(modelDir);
const model = explainer.model;
const runner = await BertRunner.create(model, { outputs: ['logits'] });
const clsId = explainer.tokenizer.vocab.requireId('[CLS]', 'classifier token');
const sepId = explainer.tokenizer.vocab.requireId('[SEP]', 'separator token');

/** Softmax probabilities of each row of ids (one sentence each, run one at a time: rows differ in length). */
async function probabilities(ids: readonly number[]): Promise<Float32Array> {
  const { logits } = await runner.run(padRows([{ ids, typeIds: ids.map(() => 0) }], model.config.pad_token_id), model.parameters);
  const values = logits!.data as Float32Array;
  const max = Math.max(...values);
  const exps = values.map((value) => Math.exp(value - max));
  const sum = exps.reduce((total, value) => total + value, 0);
  return exps.map((value) => value / sum);
}

const rng = new Rng(1234);
const curves = new Map<string, number[][]>(METHODS.map((method) => [method.name, []]));
const explanations = new Map<string, number[][]>();
for (const entry of METHODS) {
  if (!entry.method) continue;
  const records = await explainer.explain(texts, { method: entry.method, steps: 50, warn: () => {} });
  explanations.set(entry.name, records.map((record) => record.attributions!));
  if (!explanations.has('ids')) explanations.set('ids', records.map((record) => record.input_ids));
}
const allIds = explanations.get('ids')!;
for (const [index, ids] of allIds.entries()) {
  const whole = await probabilities(ids);
  const predicted = whole.indexOf(Math.max(...whole));
  const pieces = ids.map((_, position) => position).filter((position) => ids[position] !== clsId && ids[position] !== sepId);
  for (const entry of METHODS) {
    let order: number[];
    if (entry.method) {
      const attributions = explanations.get(entry.name)![index]!;
      order = [...pieces].sort((a, b) => attributions[b]! - attributions[a]!);
    } else {
      order = [...pieces];
      for (let i = order.length - 1; i > 0; i--) {
        const j = rng.int(i + 1);
        [order[i], order[j]] = [order[j]!, order[i]!];
      }
    }
    const curve: number[] = [];
    for (const fraction of FRACTIONS) {
      const removed = new Set(order.slice(0, Math.ceil(fraction * order.length)));
      const kept = ids.filter((_, position) => !removed.has(position));
      curve.push(fraction === 0 ? whole[predicted]! : (await probabilities(kept))[predicted]!);
    }
    curves.get(entry.name)!.push(curve);
  }
}
await runner.dispose();
await explainer.dispose();

const mean = (values: readonly number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
const results = METHODS.map((entry) => {
  const perSentence = curves.get(entry.name)!;
  const curve = FRACTIONS.map((_, k) => mean(perSentence.map((sentence) => sentence[k]!)));
  const aopc = mean(perSentence.map((sentence) => mean(sentence.slice(1).map((p) => sentence[0]! - p))));
  return { method: entry.name, curve, aopc };
});
mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, 'faithfulness.json'), JSON.stringify({ model: modelDir, data: dataPath, sentences: texts.length, fractions: FRACTIONS, results }, null, 2) + '\n');
const markdown = [
  `| Method (${texts.length} sentences) | AOPC | p(class) after removing 10 % | 20 % | 50 % |`,
  '|---|---|---|---|---|',
  ...results.map((result) => `| ${result.method} | ${result.aopc.toFixed(3)} | ${result.curve[1]!.toFixed(3)} | ${result.curve[2]!.toFixed(3)} | ${result.curve[5]!.toFixed(3)} |`),
].join('\n') + '\n';
writeFileSync(join(outDir, 'faithfulness.md'), markdown);
writeFileSync(join(outDir, 'faithfulness.svg'), chartSvg({
  title: 'Deletion curves: probability of the predicted class as the top-ranked word pieces are removed',
  xLabel: 'word pieces removed (%)',
  leftLabel: 'p(predicted class)',
  series: results.map((result, k) => ({ points: result.curve.map((p, i) => [100 * FRACTIONS[i]!, p] as const), axis: 'left' as const, color: METHODS[k]!.color, title: result.method, dots: true })),
  legend: results.map((result, k) => [METHODS[k]!.color, `${result.method} (AOPC ${result.aopc.toFixed(3)})`] as const),
}));
process.stdout.write(markdown);
