// A multinomial naive Bayes text classifier (McCallum & Nigam 1998), the baseline a fine-tuned BERT
// must beat: bag of words, Laplace/Lidstone smoothing, as scikit-learn's MultinomialNB over a
// CountVectorizer computes it:
//   score(c | text) = log P(c) + Σ_w count(w, text) · log P(w | c),
//   P(c) = n_c / n,   P(w | c) = (count(w, c) + α) / (Σ_w' count(w', c) + α·|V|)
// Words never seen in training are ignored (they are outside the vocabulary V).

/** Lower-cased runs of letters and digits (apostrophes kept inside words, as in "dog's"). */
export function bagOfWords(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+(?:'[\p{L}]+)*/gu) ?? [];
}

export interface NaiveBayesOptions {
  /** Additive smoothing α (default 1: Laplace). */
  readonly alpha?: number;
  readonly tokenize?: (text: string) => string[];
}

export interface LabelledText {
  readonly text: string;
  /** A class index in [0, classes). */
  readonly label: number;
}

export class NaiveBayes {
  private constructor(
    private readonly vocabulary: ReadonlyMap<string, number>,
    /** log P(c) [classes] */
    readonly logPriors: Float64Array,
    /** log P(w | c) [classes, |V|] */
    private readonly logLikelihoods: Float64Array,
    private readonly tokenize: (text: string) => string[],
  ) {}

  static train(examples: readonly LabelledText[], classes: number, options: NaiveBayesOptions = {}): NaiveBayes {
    const alpha = options.alpha ?? 1;
    const tokenize = options.tokenize ?? bagOfWords;
    if (!(alpha > 0)) throw new Error(`NaiveBayes: alpha must be > 0, got ${alpha}`);
    if (!Number.isInteger(classes) || classes < 1) throw new Error(`NaiveBayes: classes must be a positive integer, got ${classes}`);
    if (examples.length === 0) throw new Error('NaiveBayes: no training examples');
    const vocabulary = new Map<string, number>();
    const tokenized = examples.map((example, i) => {
      if (!Number.isInteger(example.label) || example.label < 0 || example.label >= classes) {
        throw new Error(`NaiveBayes: example ${i} has label ${example.label}, outside [0, ${classes})`);
      }
      const ids = tokenize(example.text).map((word) => {
        let id = vocabulary.get(word);
        if (id === undefined) vocabulary.set(word, (id = vocabulary.size));
        return id;
      });
      return { ids, label: example.label };
    });
    const size = vocabulary.size;
    const counts = new Float64Array(classes * size); // [classes, |V|]
    const classTotals = new Float64Array(classes);
    const classExamples = new Float64Array(classes);
    for (const { ids, label } of tokenized) {
      classExamples[label]!++;
      for (const id of ids) counts[label * size + id]!++;
      classTotals[label]! += ids.length;
    }
    const logPriors = classExamples.map((n) => Math.log(n / examples.length));
    const logLikelihoods = new Float64Array(classes * size);
    for (let c = 0; c < classes; c++) {
      const logDenominator = Math.log(classTotals[c]! + alpha * size);
      for (let w = 0; w < size; w++) logLikelihoods[c * size + w] = Math.log(counts[c * size + w]! + alpha) - logDenominator;
    }
    return new NaiveBayes(vocabulary, logPriors, logLikelihoods, tokenize);
  }

  get classes(): number {
    return this.logPriors.length;
  }

  /** Unnormalised log P(c, text) for every class [classes]; a class absent from training scores −∞. */
  logScores(text: string): Float64Array {
    const scores = Float64Array.from(this.logPriors);
    const size = this.vocabulary.size;
    for (const word of this.tokenize(text)) {
      const id = this.vocabulary.get(word);
      if (id === undefined) continue;
      for (let c = 0; c < scores.length; c++) scores[c]! += this.logLikelihoods[c * size + id]!;
    }
    return scores;
  }

  /** The most probable class (the lowest index on ties). */
  predict(text: string): number {
    const scores = this.logScores(text);
    let best = 0;
    for (let c = 1; c < scores.length; c++) if (scores[c]! > scores[best]!) best = c;
    return best;
  }

  /** Share of `examples` whose label is predicted. */
  accuracy(examples: readonly LabelledText[]): number {
    if (examples.length === 0) throw new Error('NaiveBayes.accuracy: no examples');
    return examples.filter((example) => this.predict(example.text) === example.label).length / examples.length;
  }
}
