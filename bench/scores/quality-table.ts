// The quality-per-CPU-hour table from what bench/scores/quality-per-hour.sh leaves in WORK_DIR:
// node dist/bench/scores/quality-table.js WORK_DIR BUDGET → markdown on stdout, and
// WORK_DIR/quality-table.{md,json}. Metrics in percent, mean ± std over the fine-tuning seeds; an arm pretrained
// with several seeds (NAME, NAME-seed43, …) gets a row per seed and a row of their mean ± std across them.
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SeedsReport } from '../../src/train/stability/seeds-report.js';
import { acrossRuns, armRows, DEFAULT_PRETRAINING_SEED, type PretrainingRun } from './pretraining-seeds.js';

const [workDir, budget] = process.argv.slice(2);
if (!workDir || !budget) throw new Error('usage: quality-table.js WORK_DIR BUDGET');

const MODELS = [
  { name: 'none', label: '(d) no pretraining (initial weights)' },
  { name: 'none-v16k', label: '(d) no pretraining (initial weights), the 16k vocabulary' },
  { name: 'pytorch-mlm', label: '(a) PyTorch, masked LM' },
  { name: 'bertkit-mlm', label: '(b) bertkit, masked LM (linear decay)' },
  { name: 'bertkit-mlm-v16k-curriculum', label: '(c) bertkit, masked LM with a 16k vocabulary and the 64-token curriculum (linear decay)' },
  // Rows of further arms, shown when WORK_DIR/pretrained holds them.
  { name: 'bertkit-mlm-v16k-curriculum-2h', label: '(c) bertkit, the 16k vocabulary and the curriculum for 2 hours (20,000 updates of curriculum): the headline model', optional: true },
  { name: 'bertkit-mlm-v16k-curriculum-nsptail', label: '(c) bertkit, the 16k vocabulary and the curriculum for 23,634 updates, then masked LM + next-sentence prediction for 3,000 (--init; the updates and held-out accuracy shown are that phase\'s)', optional: true },
  { name: 'bertkit-mlm-v16k-curriculum-sop', label: '(c) bertkit, the 16k vocabulary and the curriculum with sentence-order prediction (--sentence-order) for 26,634 updates (held-out accuracy on segment pairs)', optional: true },
  { name: 'bertkit-wsd', label: '(c) bertkit, masked LM, warm-up–stable–decay', optional: true },
  { name: 'bertkit-electra-g1', label: '(c) bertkit, ELECTRA, generator as wide as the model (linear decay)', optional: true },
  { name: 'bertkit-mlm-en', label: '(c) bertkit, masked LM (linear decay), English text and vocabulary only', optional: true },
  { name: 'bertkit-mlm-nsp', label: '(c) bertkit, masked LM + next-sentence prediction (linear decay)', optional: true },
  { name: 'bertkit-mlm-halves', label: '(c) bertkit, masked LM + contrastive halves, weight 1 (linear decay)', optional: true },
  { name: 'bertkit-mlm-halves-w03', label: '(c) bertkit, masked LM + contrastive halves, weight 0.3 (linear decay)', optional: true },
  { name: 'bertkit-mlm-halves-w01', label: '(c) bertkit, masked LM + contrastive halves, weight 0.1 (linear decay)', optional: true },
  { name: 'bertkit-mlm-mask25', label: '(c) bertkit, masked LM with 25 % of the tokens masked (linear decay)', optional: true },
  { name: 'bertkit-mlm-curriculum', label: '(c) bertkit, masked LM, the first 10,000 updates on 64-token sequences (linear decay)', optional: true },
  { name: 'bertkit-mlm-ramp', label: '(c) bertkit, masked LM, 32 sequences per update, 64 from update 6,000 (linear decay)', optional: true },
  { name: 'bertkit-mlm-v16k', label: '(c) bertkit, masked LM with a 16k vocabulary trained on the same corpus (linear decay)', optional: true },
  { name: 'none-en16k', label: '(d) no pretraining (initial weights), English text, a 16k vocabulary trained on it', optional: true },
  { name: 'english-v16k-curriculum-1h', label: '(c) bertkit, the 16k vocabulary and the curriculum, English text only', optional: true },
  { name: 'english-v16k-curriculum-2h', label: '(c) bertkit, the same for 2 hours (20,000 updates of curriculum)', optional: true },
];
const ALL_TASKS = [
  { dir: 'sst2', name: 'SST-2 acc', metric: 'accuracy' },
  { dir: 'conll2003', name: 'CoNLL-2003 F1', metric: 'f1' },
  { dir: 'stsb', name: 'STS-B Pearson', metric: 'pearson' },
  { dir: 'stsb-similarity', name: 'STS-B Pearson, bi-encoder', metric: 'pearson' },
  { dir: 'stsb-silver', name: 'STS-B Pearson, cross-encoder + silver pairs', metric: 'pearson' },
  // The score table's other three tasks (finetune-all.sh runs them when named), shown when some run has them.
  { dir: 'chnsenticorp', name: 'ChnSentiCorp acc', metric: 'accuracy', optional: true },
  { dir: 'people_daily', name: "People's Daily F1", metric: 'f1', optional: true },
  { dir: 'srl', name: 'SRL F1', metric: 'f1', optional: true },
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
    const logEntries = readLines(log);
    const train = logEntries.filter((entry) => entry.kind === 'train');
    const last = train.at(-1);
    if (!last) return null;
    const rates = train.map((entry) => entry.tokens_per_second).filter((rate): rate is number => typeof rate === 'number');
    const evaluation = logEntries.filter((entry) => entry.kind === 'eval').at(-1);
    return {
      steps: last.step as number,
      tokensPerSecond: rates.length > 0 ? rates.reduce((sum, rate) => sum + rate, 0) / rates.length : null,
      heldOutMlmAccuracy: typeof evaluation?.mlm_accuracy === 'number' ? evaluation.mlm_accuracy : null,
    };
  }
  const summary = join(workDir!, 'pretrained', `${name}.json`);
  if (!existsSync(summary)) return null;
  const line = readLines(summary).at(-1);
  if (!line) return null;  // written when the run ends
  return {
    steps: line.steps as number,
    tokensPerSecond: (line.tokens_per_second as number) || null,
    heldOutMlmAccuracy: line.steps ? (line.held_out_mlm_accuracy as number) : null,
    openBlas: line.openblas as OpenBlas | null | undefined,
  };
}

type Task = (typeof ALL_TASKS)[number];
const seedsReportPath = (name: string, task: Task) => join(workDir!, 'finetuned', name, task.dir, 'seeds-report.json');

function score(name: string, task: Task): Score | null {
  const path = seedsReportPath(name, task);
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
const pretrainedDir = join(workDir, 'pretrained');
const entries = existsSync(pretrainedDir) ? readdirSync(pretrainedDir).filter((name) => statSync(join(pretrainedDir, name)).isDirectory()) : [];
const TASKS = ALL_TASKS.filter((task) => !('optional' in task) || entries.some((name) => existsSync(seedsReportPath(name, task))));
const measure = (run: PretrainingRun) => ({
  ...run,
  finished: existsSync(join(pretrainedDir, run.name, 'model.safetensors')),
  started: existsSync(join(pretrainedDir, run.name)),
  pretraining: pretraining(run.name),
  scores: TASKS.map((task) => score(run.name, task)),
  zeroShotPearson: zeroShot(run.name),
});
type Run = ReturnType<typeof measure>;
/** The mean over an arm's pretraining seeds of each run's numbers (a task's: its mean over fine-tuning seeds). */
const meanOfRuns = (runs: readonly Run[]) => ({
  steps: acrossRuns(runs.map((run) => run.pretraining?.steps)),
  tokensPerSecond: acrossRuns(runs.map((run) => run.pretraining?.tokensPerSecond)),
  heldOutMlmAccuracy: acrossRuns(runs.map((run) => run.pretraining?.heldOutMlmAccuracy)),
  scores: TASKS.map((_, task) => acrossRuns(runs.map((run) => run.scores[task]?.mean))),
  zeroShotPearson: acrossRuns(runs.map((run) => run.zeroShotPearson)),
});
const arms = MODELS.map((model) => ({ ...model, ...armRows(model, entries, measure, meanOfRuns) })).filter((arm) => arm.runs.length > 0);
const baselinesPath = join(workDir, 'baselines.json');
const baselines = existsSync(baselinesPath) ? (JSON.parse(readFileSync(baselinesPath, 'utf8')) as Record<string, number>) : null;

/** Which pretraining seed a run is, said where its arm has several or it is not the default one. */
const seedNote = (runsOfArm: number, run: PretrainingRun) => (runsOfArm > 1 || run.seed !== DEFAULT_PRETRAINING_SEED ? `, pretraining seed ${run.seed}` : '');
const runRow = (arm: (typeof arms)[number], run: Run) => {
  const cells = run.scores.map((entry) => (entry === null ? 'not run' : `${percent(entry.mean)} ± ${percent(entry.std)}${entry.failedSeeds.length > 0 ? ` (${entry.failedSeeds.length} failed)` : ''}`));
  const steps = run.pretraining === null ? '–' : run.pretraining.steps.toLocaleString('en-US');
  const rate = run.pretraining?.tokensPerSecond ? Math.round(run.pretraining.tokensPerSecond).toLocaleString('en-US') : '–';
  const accuracy = run.pretraining?.heldOutMlmAccuracy ?? null;
  const mlm = accuracy === null ? '–' : percent(accuracy);
  const zeroShotCell = run.zeroShotPearson === null ? 'not run' : percent(run.zeroShotPearson);
  return `| ${arm.label}${seedNote(arm.runs.length, run)}${run.started && !run.finished ? ' (pretraining unfinished)' : ''} | ${steps} | ${rate} | ${mlm} | ${cells.join(' | ')} | ${zeroShotCell} |`;
};
const meanRow = (arm: (typeof arms)[number], mean: NonNullable<(typeof arms)[number]['mean']>) => {
  const spread = (entry: ReturnType<typeof acrossRuns>) =>
    entry === null ? '–' : entry.runs === 1 ? `${percent(entry.mean)} (1 seed)` : `${percent(entry.mean)} ± ${percent(entry.std)}${entry.runs < mean.runs ? ` (${entry.runs} seeds)` : ''}`;
  const count = (entry: ReturnType<typeof acrossRuns>) => (entry === null ? '–' : Math.round(entry.mean).toLocaleString('en-US'));
  return `| **${arm.label}: mean of ${mean.runs} pretraining seeds** | ${count(mean.steps)} | ${count(mean.tokensPerSecond)} | ${spread(mean.heldOutMlmAccuracy)} | ${mean.scores.map(spread).join(' | ')} | ${spread(mean.zeroShotPearson)} |`;
};
const lines = [
  `| Pretraining (${budget} budget) | updates | tokens/s | held-out MLM acc | ${TASKS.map((task) => task.name).join(' | ')} | STS-B zero-shot |`,
  `|---|---|---|---|${TASKS.map(() => '---|').join('')}---|`,
  ...arms.flatMap((arm) => [...arm.runs.map((run) => runRow(arm, run)), ...(arm.mean ? [meanRow(arm, arm.mean)] : [])]),
];
if (baselines) {
  const overlap = percent(baselines.stsb_word_overlap_pearson!);
  const baselineCells = TASKS.map((task) => (task.dir === 'sst2' ? percent(baselines.sst2_bag_of_words_accuracy!) : task.dir.startsWith('stsb') ? overlap : '–'));
  lines.push(`| Baselines: bag-of-words logistic regression (SST-2); word-overlap Jaccard (the STS-B columns) | | | | ${baselineCells.join(' | ')} | ${overlap} |`);
}
if (arms.some((arm) => arm.mean)) {
  lines.push('', 'A row of one pretraining seed: mean ± std over its fine-tuning seeds. A mean row: mean ± std across its pretraining seeds of their means. ' +
    'Held-out MLM accuracy is measured on each run\'s held-out documents, and every bertkit pretraining seed holds out its own.');
}
// Which BLAS PyTorch's hours ran on: a row on the reference BLAS or on forced kernels is not at PyTorch's speed.
const pytorchRuns = arms.find((arm) => arm.name === 'pytorch-mlm')?.runs.filter((run) => run.pretraining?.steps) ?? [];
if (pytorchRuns.length > 0) lines.push('');
for (const run of pytorchRuns) {
  const openBlas = run.pretraining!.openBlas;
  const who = `PyTorch${seedNote(pytorchRuns.length, run)}`;
  lines.push(openBlas === undefined
    ? `${who}: its run did not report its BLAS (an older pytorch_corpus_pretrain.py).`
    : openBlas === null
      ? `${who}: no OpenBLAS loaded, so the reference BLAS ran (over ten times slower): install libopenblas0-pthread and run it again.`
      : `${who}: OpenBLAS core ${openBlas.core} (${openBlas.config}).`);
}
const markdown = lines.join('\n') + '\n';
process.stdout.write(markdown);
writeFileSync(join(workDir, 'quality-table.md'), markdown);
writeFileSync(join(workDir, 'quality-table.json'), JSON.stringify({ budget, arms, baselines }, null, 2) + '\n');
