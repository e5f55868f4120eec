// quality-table.js on a work directory built here: rows per pretraining seed, the mean row, and the columns of the
// score table's other three tasks shown only when some run has them.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const script = join(dirname(fileURLToPath(import.meta.url)), '../../../bench/scores/quality-table.js');

function pretrained(work: string, name: string, steps: number, mlmAccuracy: number): void {
  const dir = join(work, 'pretrained', name);
  mkdirSync(dir, { recursive: true });
  const log = [
    { kind: 'train', step: steps / 2, tokens_per_second: 1000 },
    { kind: 'train', step: steps, tokens_per_second: 3000 },
    { kind: 'eval', step: steps, mlm_accuracy: mlmAccuracy },
  ];
  writeFileSync(join(dir, 'log.jsonl'), log.map((entry) => JSON.stringify(entry)).join('\n') + '\n');
  writeFileSync(join(dir, 'model.safetensors'), '');  // only its presence is read: the run finished
}

function finetuned(work: string, name: string, task: string, metric: string, mean: number, std: number): void {
  const dir = join(work, 'finetuned', name, task);
  mkdirSync(dir, { recursive: true });
  const report = { primaryMetric: metric, runs: [{}, {}, {}], failedSeeds: [], metrics: { [metric]: { mean, std, min: mean, max: mean } } };
  writeFileSync(join(dir, 'seeds-report.json'), JSON.stringify(report));
}

/** A markdown table row's cells, trimmed ("| a | | b |" → ['a', '', 'b']); no cell here holds a '|'. */
const cellsOf = (line: string) => line.split('|').slice(1, -1).map((cell) => cell.trim());

test('quality-table: a row per pretraining seed, their mean ± std, and ChnSentiCorp\'s column only once a run has it', () => {
  const work = mkdtempSync(join(tmpdir(), 'quality-table-'));
  try {
    pretrained(work, 'bertkit-mlm', 100, 0.3);
    pretrained(work, 'bertkit-mlm-seed43', 300, 0.4);
    finetuned(work, 'bertkit-mlm', 'sst2', 'accuracy', 0.78, 0.01);
    finetuned(work, 'bertkit-mlm-seed43', 'sst2', 'accuracy', 0.8, 0.02);
    const before = execFileSync(process.execPath, [script, work, '60m'], { encoding: 'utf8' });
    assert.doesNotMatch(before, /ChnSentiCorp/);

    finetuned(work, 'bertkit-mlm-seed43', 'chnsenticorp', 'accuracy', 0.875, 0.005);
    writeFileSync(join(work, 'baselines.json'), JSON.stringify({ sst2_bag_of_words_accuracy: 0.788, stsb_word_overlap_pearson: 0.629 }));
    const table = execFileSync(process.execPath, [script, work, '60m'], { encoding: 'utf8' }).split('\n');
    const header = cellsOf(table[0]!);
    assert.ok(header.includes('ChnSentiCorp acc'));
    assert.ok(!header.includes("People's Daily F1") && !header.includes('SRL F1'));
    const cells = (label: string) => cellsOf(table.find((line) => line.startsWith(`| ${label} |`))!);
    const column = (name: string) => header.indexOf(name);
    const seed42 = cells('(b) bertkit, masked LM (linear decay), pretraining seed 42');
    const seed43 = cells('(b) bertkit, masked LM (linear decay), pretraining seed 43');
    const mean = cells('**(b) bertkit, masked LM (linear decay): mean of 2 pretraining seeds**');
    // updates: the last train step; tokens/s: the mean of the logged rates (1000 and 3000)
    assert.deepEqual([seed42[1], seed42[2], seed42[3]], ['100', '2,000', '30.0']);
    assert.equal(seed42[column('SST-2 acc')], '78.0 ± 1.0');
    assert.equal(seed42[column('ChnSentiCorp acc')], 'not run');
    assert.equal(seed43[column('ChnSentiCorp acc')], '87.5 ± 0.5');
    // across seeds: SST-2 78 and 80 → mean 79, sample std √2 ≈ 1.4; ChnSentiCorp from its one run only
    assert.equal(mean[column('SST-2 acc')], '79.0 ± 1.4');
    assert.equal(mean[column('ChnSentiCorp acc')], '87.5 (1 seed)');
    assert.equal(mean[column('updates')], '200');
    // the baselines fill their own columns only: SST-2 and the STS-B ones, zero-shot last
    const baselines = cellsOf(table.find((line) => line.startsWith('| Baselines'))!);
    assert.equal(baselines.length, header.length);
    assert.deepEqual([baselines[column('SST-2 acc')], baselines[column('CoNLL-2003 F1')], baselines[column('STS-B Pearson')],
      baselines[column('ChnSentiCorp acc')], baselines.at(-1)], ['78.8', '–', '62.9', '–', '62.9']);
    assert.equal(readFileSync(join(work, 'quality-table.md'), 'utf8'), table.join('\n'));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});
