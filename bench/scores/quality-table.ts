// The quality-per-CPU-hour table from what bench/scores/quality-per-hour.sh leaves in WORK_DIR:
// node dist/bench/scores/quality-table.js WORK_DIR BUDGET → markdown on stdout, and
// WORK_DIR/quality-table.{md,json}. Metrics in percent, mean ± std over the seeds.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SeedsReport } from '../../src/train/stability/seeds-report.js';

const [workDir, budget] = process.argv.slice(2);
if (!workDir || !budget) throw new Error('usage: quality-table.js WORK_DIR BUDGET');

const MODELS = [
  { name: 'none', label: '(d) no pretraining (initial weights)' },
  { name: 'pytorch-mlm', label: '(a) PyTorch, masked LM' },
  { name: 'bertkit-mlm', label: '(b) bertkit, masked LM (linear decay)' },
  { name: 'bertkit-wsd', label: '(c) bertkit, masked LM, warm-up–stable–decay' },
  // Rows of further arms, shown when WORK_DIR/pretrained holds them.
  { name: 'bertkit-electra-g1', label: '(c) bertkit, ELECTRA, generator as wide as the model (linear decay)', optional: true },
  { name: 'bertkit-mlm-en', label: '(c) bertkit, masked LM (linear decay), English text and vocabulary only', optional: true },
  { name: 'bertkit-mlm-nsp', label: '(c) bertkit, masked LM + next-sentence prediction (linear decay)', optional: true },
  { name: 'bertkit-mlm-halves', label: '(c) bertkit, masked LM + contrastive halves, weight 1 (linear decay)', optional: true },
  { name: 'bertkit-mlm-halves-w03', label: '(c) bertkit, masked LM + contrastive halves, weight 0.3 (linear decay)', optional: true },
  { name: 'bertkit-mlm-halves-w01', label: '(c) bertkit, masked LM + contrastive halves, weight 0.1 (linear decay)', optional: true },
  { name: 'bertkit-mlm-mask25', label: '(c) bertkit, masked LM with 25 % of the tokens masked (linear decay)', optional: true },
  { name: 'bertkit-mlm-curriculum', label: '(c) bertkit, masked LM, the first 10,000 updates on 64-token sequences (linear decay)', optional: true },
  { name: 'bertkit-mlm-ramp', label: '(c) bertkit, masked LM, 32 sequences per update, 64 from update 6,000 (linear decay)', optional: true },
  { name: 'bertkit-mlm-seed43', label: '(b) bertkit, masked LM (linear decay), pretraining seed 43', optional: true },
];
const TASKS = [
  { dir: 'sst2', name: 'SST-2 acc', metric: 'accuracy' },
  { dir: 'conll2003', name: 'CoNLL-2003 F1', metric: 'f1' },
  { dir: 'stsb', name: 'STS-B Pearson', metric: 'pearson' },
  { dir: 'stsb-similarity', name: 'STS-B Pearson, bi-encoder', metric: 'pearson' },
  { dir: 'stsb-silver', name: 'STS-B Pearson, cross-encoder + silver pairs', metric: 'pearson' },
];

interface OpenBlas { core: string; config: string }
/** openBlas: PyTorch's runs only; null = the reference BLAS ran, undefined = the run did not say (an older script). */
interface Pretraining { steps: number; tokensPerSecond: number | null; heldOutMlmAccuracy: number | null; openBlas?: OpenBlas | null }
interface Evaluation { pearson: number }
interface Score { mean: number; std: number; seeds: number; failedSeeds: number[] }

function readLines(path: string): Record<string, unknown>[] {
  return readFileSync(path, 'utf8').split('\n').filter((line) => line.length > 0).map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** Updates run and the mean training throughput: bertkit's log.jsonl, or the PyTorch script's JSON line. */
function pretraining(name: string): Pretraining | null {
  const log = join(workDir!, 'pretrained', name, 'log.jsonl');
  if (existsSync(log)) {
    const train = readLines(log).filter((entry) => entry.kind === 'train');
    const last = train.at(-1);
    if (!last) return null;
    const rates = train.map((entry) => entry.tokens_per_second).filter((rate): rate is number => typeof rate === 'number');
    const evaluation = readLines(log).filter((entry) => entry.kind === 'eval').at(-1);
    return {
      steps: last.step as number,
      tokensPerSecond: rates.length > 0 ? rates.reduce((sum, rate) => sum + rate, 0) / rates.length : null,
      heldOutMlmAccuracy: typeof evaluation?.mlm_accuracy === 'number' ? evaluation.mlm_accuracy : null,
    };
  }
  const summary = join(workDir!, 'pretrained', `${name}.json`);
  if (!existsSync(summary)) return null;
  const line = readLines(summary).at(-1)!;
  return {
    steps: line.steps as number,
    tokensPerSecond: (line.tokens_per_second as number) || null,
    heldOutMlmAccuracy: line.steps ? (line.held_out_mlm_accuracy as number) : null,
    openBlas: line.openblas as OpenBlas | null | undefined,
  };
}

function score(name: string, task: (typeof TASKS)[number]): Score | null {
  const path = join(workDir!, 'finetuned', name, task.dir, 'seeds-report.json');
  if (!existsSync(path)) return null;
  const report = JSON.parse(readFileSync(path, 'utf8')) as SeedsReport;
  const summary = report.metrics[task.metric];
  if (!summary) return null;
  return { mean: summary.mean, std: summary.std, seeds: report.runs.length, failedSeeds: [...report.failedSeeds] };
}

/** STS-B Pearson of the pretrained model as it is (`bertkit evaluate --task similarity`: cosine of mean-pooled states), when measured. */
function zeroShot(name: string): number | null {
  const path = join(workDir!, 'pretrained', `${name}.stsb-zero-shot.json`);
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as Evaluation).pearson : null;
}

const percent = (value: number) => (100 * value).toFixed(1);
const rows = MODELS.filter((model) => !model.optional || existsSync(join(workDir, 'pretrained', model.name)))
  .map((model) => ({ ...model, pretraining: pretraining(model.name), scores: TASKS.map((task) => score(model.name, task)), zeroShotPearson: zeroShot(model.name) }));
const baselinesPath = join(workDir, 'baselines.json');
const baselines = existsSync(baselinesPath) ? (JSON.parse(readFileSync(baselinesPath, 'utf8')) as Record<string, number>) : null;

const lines = [
  `| Pretraining (${budget} budget) | updates | tokens/s | held-out MLM acc | ${TASKS.map((task) => task.name).join(' | ')} | STS-B zero-shot |`,
  `|---|---|---|---|${TASKS.map(() => '---|').join('')}---|`,
  ...rows.map((row) => {
    const cells = row.scores.map((entry) => (entry === null ? 'not run' : `${percent(entry.mean)} ± ${percent(entry.std)}${entry.failedSeeds.length > 0 ? ` (${entry.failedSeeds.length} failed)` : ''}`));
    const steps = row.pretraining === null ? '–' : row.pretraining.steps.toLocaleString('en-US');
    const rate = row.pretraining?.tokensPerSecond ? Math.round(row.pretraining.tokensPerSecond).toLocaleString('en-US') : '–';
    const accuracy = row.pretraining?.heldOutMlmAccuracy ?? null;
    const mlm = accuracy === null ? '–' : percent(accuracy);
    const zeroShotCell = row.zeroShotPearson === null ? 'not run' : percent(row.zeroShotPearson);
    return `| ${row.label} | ${steps} | ${rate} | ${mlm} | ${cells.join(' | ')} | ${zeroShotCell} |`;
  }),
];
if (baselines) {
  const overlap = percent(baselines.stsb_word_overlap_pearson!);
  lines.push(`| Baselines: bag-of-words logistic regression; –; word-overlap Jaccard (the STS-B columns) | | | | ${percent(baselines.sst2_bag_of_words_accuracy!)} | – | ${overlap} | ${overlap} | ${overlap} | ${overlap} |`);
}
// Which BLAS PyTorch's hour ran on: a row on the reference BLAS or on forced kernels is not at PyTorch's speed.
const pytorch = rows.find((row) => row.name === 'pytorch-mlm')?.pretraining;
if (pytorch?.steps) {
  const openBlas = pytorch.openBlas;
  lines.push('', openBlas === undefined
    ? 'PyTorch: its run did not report its BLAS (an older pytorch_corpus_pretrain.py).'
    : openBlas === null
      ? 'PyTorch: no OpenBLAS loaded, so the reference BLAS ran (over ten times slower): install libopenblas0-pthread and run it again.'
      : `PyTorch: OpenBLAS core ${openBlas.core} (${openBlas.config}).`);
}
const markdown = lines.join('\n') + '\n';
process.stdout.write(markdown);
writeFileSync(join(workDir, 'quality-table.md'), markdown);
writeFileSync(join(workDir, 'quality-table.json'), JSON.stringify({ budget, models: rows, baselines }, null, 2) + '\n');
