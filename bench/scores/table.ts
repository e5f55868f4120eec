// The README's score table from the seeds reports that bench/scores/finetune-all.sh leaves:
// node dist/bench/scores/table.js WORK_DIR → one markdown row per task, metrics in percent.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SeedsReport } from '../../src/train/stability/seeds-report.js';

const [workDir] = process.argv.slice(2);
if (!workDir) throw new Error('usage: table.js WORK_DIR');

const TASKS: { dir: string; name: string; validation: string; metrics: string[] }[] = [
  { dir: 'sst2', name: 'SST-2 (sentiment)', validation: '1,000 whole sentences carved from train', metrics: ['accuracy'] },
  { dir: 'conll2003', name: 'CoNLL-2003 (NER)', validation: 'valid.txt', metrics: ['f1', 'precision', 'recall'] },
  { dir: 'stsb', name: 'STS-B (regression)', validation: '10 % of train (575 pairs)', metrics: ['pearson', 'spearman'] },
  { dir: 'chnsenticorp', name: 'ChnSentiCorp (sentiment)', validation: 'dev.tsv', metrics: ['accuracy'] },
  { dir: 'people_daily', name: "People's Daily (Chinese NER)", validation: 'dev.tsv', metrics: ['f1', 'precision', 'recall'] },
  { dir: 'srl', name: 'Universal PropBank (SRL)', validation: '20 % of the documents', metrics: ['f1', 'precision', 'recall'] },
];

const percent = (value: number) => (100 * value).toFixed(1);
console.log('| Task | Validation split | Metric | Mean ± std (3 seeds) | Min | Max | Failed seeds |');
console.log('|---|---|---|---|---|---|---|');
for (const task of TASKS) {
  const path = join(workDir, 'finetuned', task.dir, 'seeds-report.json');
  if (!existsSync(path)) { console.log(`| ${task.name} | ${task.validation} | – | not run | | | |`); continue; }
  const report = JSON.parse(readFileSync(path, 'utf8')) as SeedsReport;
  for (const metric of task.metrics) {
    const summary = report.metrics[metric];
    if (!summary) continue;
    const first = metric === task.metrics[0];
    console.log(`| ${first ? task.name : ''} | ${first ? task.validation : ''} | ${metric} | ${percent(summary.mean)} ± ${percent(summary.std)} | ${percent(summary.min)} | ${percent(summary.max)} | ${first ? (report.failedSeeds.length === 0 ? 'none' : report.failedSeeds.join(', ')) : ''} |`);
  }
}
