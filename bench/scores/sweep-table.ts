// The table of a fine-tuning sweep (bench/scores/finetune-sweep.sh): node dist/bench/scores/sweep-table.js SWEEP_DIR
// → one markdown row per task, learning rate and epochs: the tuning dev metric of the best checkpoint and its update.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const [sweepDir] = process.argv.slice(2);
if (!sweepDir) throw new Error('usage: sweep-table.js SWEEP_DIR');

// finetune-all.sh's task folders and the metric each task's best checkpoint is chosen by.
const METRICS: Record<string, string> = { sst2: 'accuracy', conll2003: 'f1', stsb: 'pearson', 'stsb-similarity': 'pearson' };

const cells = readdirSync(sweepDir)
  .map((name) => ({ name, match: /^lr-(.+)-epochs-(\d+)$/.exec(name) }))
  .filter((cell): cell is { name: string; match: RegExpExecArray } => cell.match !== null)
  .map(({ name, match }) => ({ name, learningRate: Number(match[1]), epochs: Number(match[2]) }))
  .sort((a, b) => a.learningRate - b.learningRate || a.epochs - b.epochs);

console.log('| Task | Learning rate | Epochs | Tuning dev metric | Best at update |');
console.log('|---|---|---|---|---|');
for (const [task, metric] of Object.entries(METRICS)) {
  for (const cell of cells) {
    const path = join(sweepDir, cell.name, task, 'eval_results.json');
    if (!existsSync(path)) continue;
    const results = JSON.parse(readFileSync(path, 'utf8')) as Record<string, number>;
    console.log(`| ${task} | ${cell.learningRate} | ${cell.epochs} | ${metric} ${(100 * results[metric]!).toFixed(1)} | ${results.step} |`);
  }
}
