// Scored text pairs written as a table that `finetune --task regression|similarity` reads back:
// TSV with GLUE STS-B's column names (sentence1, sentence2, score), or JSON Lines with the same fields.
import type { TableFormat } from './task.js';

export interface ScoredPair {
  readonly text: string;
  readonly textPair: string;
  readonly score: number;
}

/** The pairs as a TSV (header first) or JSONL table; a TSV text holding a tab or line break is an error (JSONL holds any text). */
export function formatScoredPairs(pairs: readonly ScoredPair[], format: Exclude<TableFormat, 'csv'>): string {
  if (format === 'jsonl') return pairs.map((pair) => `${JSON.stringify({ sentence1: pair.text, sentence2: pair.textPair, score: pair.score })}\n`).join('');
  const cell = (text: string): string => {
    if (/[\t\r\n]/.test(text)) throw new Error(`the text ${JSON.stringify(text.length > 60 ? `${text.slice(0, 60)}…` : text)} holds a tab or a line break, which a TSV cell cannot; write .jsonl instead`);
    return text;
  };
  return ['sentence1\tsentence2\tscore\n', ...pairs.map((pair) => `${cell(pair.text)}\t${cell(pair.textPair)}\t${pair.score}\n`)].join('');
}
