// OUTPUT/log.jsonl: one JSON object per line, a training step or an evaluation, appended as the run
// goes so that an interrupted run keeps its history. A resumed run first drops the entries past the
// checkpoint it continues from (they will be recomputed, identically).
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { writeFileAtomic } from '../io/atomic-write.js';

export interface TrainLogEntry {
  readonly kind: 'train';
  readonly step: number;
  readonly loss: number;
  readonly learning_rate: number;
  readonly grad_norm: number;
  readonly tokens_per_second: number;
  /** Seconds since the run (or the resumed part) started. */
  readonly elapsed_s: number;
}

export interface EvalLogEntry {
  readonly kind: 'eval';
  readonly step: number;
  readonly mlm_loss: number;
  readonly mlm_perplexity: number;
  readonly mlm_accuracy: number;
  /** Absent when the model has no NSP head. */
  readonly nsp_accuracy?: number;
  readonly nsp_loss?: number;
  readonly masked_tokens: number;
  readonly sequences: number;
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
      let entry: unknown;
      try {
        entry = JSON.parse(line);
      } catch (error) {
        throw new Error(`${this.path}:${index + 1}: invalid JSON (${(error as Error).message})`);
      }
      const record = entry as Partial<LogEntry>;
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
