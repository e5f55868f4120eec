// Chinese words for whole-word masking. BERT's tokenizer splits every CJK ideograph into a token of
// its own, without "##", so plain whole-word masking masks Chinese one character at a time. Chinese
// BERT-wwm (Cui et al. 2019) segments the text into words (with LTP) and masks a word's characters
// together; here the words come from the ICU word segmenter built into Node
// (Intl.Segmenter('zh', { granularity: 'word' })), so no dependency and no dictionary file is needed.
// Runs of consecutive single-ideograph tokens are joined back into text and segmented; inside each
// word, every character after the first continues it.
import { isChineseChar } from '../tokenizer/char-classes.js';
import type { Vocab } from '../tokenizer/vocab.js';

let segmenter: Intl.Segmenter | undefined;

/** The ideograph of each token that is exactly one CJK ideograph (BERT's _is_chinese_char), else undefined. */
export function chineseCharacters(vocab: Vocab): (string | undefined)[] {
  return vocab.tokens.map((token) => {
    const codePoint = token.codePointAt(0);
    return codePoint !== undefined && token.length === String.fromCodePoint(codePoint).length && isChineseChar(codePoint) ? token : undefined;
  });
}

/** 1 at each position of `tokens` whose ideograph continues a Chinese word begun by the token before it. */
export function chineseWordContinuations(tokens: ArrayLike<number>, characters: readonly (string | undefined)[]): Uint8Array {
  const continues = new Uint8Array(tokens.length);
  segmenter ??= new Intl.Segmenter('zh', { granularity: 'word' });
  for (let start = 0; start < tokens.length; ) {
    if (characters[tokens[start]!] === undefined) {
      start++;
      continue;
    }
    let end = start;
    let text = '';
    const positionAt: number[] = []; // UTF-16 offset in `text` → token position
    for (; end < tokens.length && characters[tokens[end]!] !== undefined; end++) {
      const character = characters[tokens[end]!]!;
      for (let unit = 0; unit < character.length; unit++) positionAt.push(end);
      text += character;
    }
    if (end - start > 1) {
      for (const { index, segment } of segmenter.segment(text)) {
        const first = positionAt[index]!;
        for (let unit = 1; unit < segment.length; unit++) {
          const position = positionAt[index + unit]!;
          if (position !== first) continues[position] = 1;
        }
      }
    }
    start = end;
  }
  return continues;
}
