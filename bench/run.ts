// `npm run bench [-- SUITE…]`: runs every bench/*.bench.ts (or those named), prints a table,
// and writes the rows as JSON to bench/results/latest.json and a dated copy.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import os from 'node:os';
import { cpuInfo, describeCpu } from './cpu.js';
import type { BenchModule, BenchRow } from './types.js';

const here = dirname(fileURLToPath(import.meta.url));
const CHILD_FLAG = '--suite-file';

// Each suite runs in a child process of its own, so that peak memory (maxRSS is per process) and
// JIT state of one suite do not leak into the next one's numbers.
if (process.argv[2] === CHILD_FLAG) {
  const module = (await import(pathToFileURL(join(here, process.argv[3]!)).href)) as BenchModule;
  const rows = await module.run();
  process.stdout.write(JSON.stringify(rows) + '\n');
  process.exit(0);
}

const wanted = process.argv.slice(2);
const files = readdirSync(here).filter((f) => f.endsWith('.bench.js')).sort();

const cpu = cpuInfo();
const rows: BenchRow[] = [];
for (const file of files) {
  const source = readFileSync(join(here, file), 'utf8');
  const suite = /export const suite = '([^']+)'/.exec(source)?.[1] ?? file;
  if (wanted.length > 0 && !wanted.includes(suite)) continue;
  console.error(`# ${suite} (${file})`);
  const child = spawnSync(process.execPath, [fileURLToPath(import.meta.url), CHILD_FLAG, file], {
    stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', maxBuffer: 64 * 1024 * 1024,
  });
  if (child.status !== 0) throw new Error(`bench suite ${suite} failed (exit ${child.status})`);
  const produced = (JSON.parse(child.stdout.trim().split('\n').pop()!) as BenchRow[]).map((row) => ({ ...row, cpu: describeCpu(cpu) }));
  rows.push(...produced);
  printTable(produced);
}

const resultsDir = resolve(process.cwd(), 'bench', 'results');
mkdirSync(resultsDir, { recursive: true });
const report = {
  date: new Date().toISOString(),
  machine: { cpus: os.cpus().length, model: cpu.model, cpu, node: process.version },
  rows,
};
const json = JSON.stringify(report, null, 2) + '\n';
writeFileSync(join(resultsDir, 'latest.json'), json);
writeFileSync(join(resultsDir, `${report.date.slice(0, 19).replace(/[:T]/g, '-')}.json`), json);
console.log(`\nAll results (on ${describeCpu(cpu)}):`);
printTable(rows);
console.log(`\nwritten to ${join(resultsDir, 'latest.json')}`);

function printTable(table: BenchRow[]): void {
  const header = ['suite', 'metric', 'bertkit', 'peer', 'ratio', 'goal'];
  const body = table.map((r) => [
    r.suite,
    r.metric,
    measured(r) ? `${format(r.value)} ${r.unit}` : r.note ?? 'not measured',
    r.peer ? `${r.peer.name}: ${format(r.peer.value)} ${r.unit}` : '',
    r.ratio === undefined ? '' : `${r.ratio.toFixed(2)}×`,
    r.goal ?? '',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((line) => line[i]!.length)));
  const line = (cells: string[]) => '| ' + cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ') + ' |';
  console.log(line(header));
  console.log('|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|');
  for (const cells of body) console.log(line(cells));
}

/** A suite that skips a row reports NaN, which reaches this process through JSON as null. */
function measured(row: BenchRow): boolean {
  return typeof row.value === 'number' && Number.isFinite(row.value);
}

function format(value: number): string {
  if (Math.abs(value) >= 1000) return Math.round(value).toLocaleString('en-US');
  return value.toPrecision(3);
}
