// Word counting for vocabulary training: the only corpus-sized state the trainer keeps.
// Each line (or text) goes through the BERT normalizer and pre-tokenizer, as HF's
// Tokenizer::train does before handing words to the trainer.
import { normalize, type NormalizerOptions } from './normalizer.js';
import { splitWords } from './pre-tokenizer.js';

export class WordCounter {
  /** Word → occurrences, in order of first appearance. */
  readonly counts = new Map<string, number>();
  /** Words counted, with repetitions. */
  words = 0;
  texts = 0;

  constructor(private readonly normalizer: NormalizerOptions) {}

  add(text: string): void {
    this.texts++;
    const counts = this.counts;
    for (const word of splitWords(normalize(text, this.normalizer))) {
      counts.set(word, (counts.get(word) ?? 0) + 1);
      this.words++;
    }
  }
}
