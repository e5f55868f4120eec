// Turning WordPiece tokens back into text, as Hugging Face does for BERT: the WordPiece decoder
// (decoders/wordpiece.rs) glues `##` continuations to the previous piece and puts a space before
// every other token, then transformers' `clean_up_tokenization` removes the spaces BERT's
// pre-tokenizer put around punctuation and English contractions.

export interface WordPieceDecoderOptions {
  /** Marks a piece that continues the previous one ("##"). */
  prefix: string;
  /** Apply the clean-up to each token as the HF decoder's `cleanup` flag does. */
  cleanup: boolean;
}

export const BERT_DECODER: WordPieceDecoderOptions = { prefix: '##', cleanup: true };

/** transformers' `clean_up_tokenization`, the exact list and order of replacements. */
export function cleanUpTokenization(text: string): string {
  return text
    .replaceAll(' .', '.')
    .replaceAll(' ?', '?')
    .replaceAll(' !', '!')
    .replaceAll(' ,', ',')
    .replaceAll(" ' ", "'")
    .replaceAll(" n't", "n't")
    .replaceAll(" 'm", "'m")
    .replaceAll(" 's", "'s")
    .replaceAll(" 've", "'ve")
    .replaceAll(" 're", "'re");
}

/** Joins WordPiece tokens into text. A leading continuation piece keeps its prefix, as in HF. */
export function decodeWordPieces(tokens: readonly string[], options: WordPieceDecoderOptions = BERT_DECODER): string {
  let text = '';
  tokens.forEach((token, i) => {
    let piece = token;
    if (i > 0) piece = options.prefix !== '' && token.startsWith(options.prefix) ? token.slice(options.prefix.length) : ` ${token}`;
    text += options.cleanup ? cleanUpTokenization(piece) : piece;
  });
  return text;
}
