// OUTPUT/log.jsonl, the one log format of every training run: one JSON object per line, an update
// ({"kind": "train", …}) or an evaluation ({"kind": "eval", …}, fields chosen by the objective),
// appended as the run goes so that an interrupted run keeps its history. A resumed run first drops
// the entries past the checkpoint it continues from (they will be recomputed, identically).
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { writeFileAtomic } from '../../io/atomic-write.js';
import { parseJson } from '../../io/json-file.js';

export interface TrainLogEntry {
  readonly kind: 'train';
  readonly step: number;
  /** Fine-tuning: epochs done, fractional. */
  readonly epoch?: number;
  readonly loss: number;
  readonly learning_rate: number;
  readonly grad_norm: number;
  /** Throughput over training time so far (evaluation excluded); tokens count padding. */
  readonly examples_per_second: number;
  readonly tokens_per_second: number;
  /** Seconds since the run (or the resumed part) started. */
  readonly elapsed_s: number;
}

/** An evaluation; each objective adds its own fields (held-out MLM scores, dev metrics). */
export interface EvalLogEntry {
  readonly kind: 'eval';
  readonly step: number;
}

export type LogEntry = TrainLogEntry | EvalLogEntry;

export class TrainingLog {
  constructor(readonly path: string) {}

  append(entry: LogEntry): void {
    appendFileSync(this.path, `${JSON.stringify(entry)}\n`);
  }

  /**
   * Every entry so far (none when the file does not exist); errors name the line. A last line without
   * its newline is the torn write of a crash mid-append: it is left out, so that --resume can go on.
   */
  read(): LogEntry[] {
    if (!existsSync(this.path)) return [];
    const entries: LogEntry[] = [];
    const lines = readFileSync(this.path, 'utf8').split('\n');
    lines.pop(); // '' after the final newline, or the torn last line
    lines.forEach((line, index) => {
      if (line.trim() === '') return;
      const record = parseJson(line, this.path, { line: index + 1 }) as Partial<LogEntry>;
      if ((record.kind !== 'train' && record.kind !== 'eval') || !Number.isInteger(record.step)) {
        throw new Error(`${this.path}:${index + 1}: expected {"kind": "train"|"eval", "step": integer, …}`);
      }
      entries.push(record as LogEntry);
    });
    return entries;
  }

  /** Keeps the entries up to `step` (inclusive); rewrites the file atomically. */
  truncateAfter(step: number): void {
    if (!existsSync(this.path)) return;
    const kept = this.read().filter((entry) => entry.step <= step);
    writeFileAtomic(this.path, Buffer.from(kept.map((entry) => `${JSON.stringify(entry)}\n`).join(''), 'utf8'));
  }
}
