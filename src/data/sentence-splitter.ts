// Rule-based sentence splitting for running text (paragraphs of books, JSONL documents), for the
// NSP task, which pairs whole sentences. A boundary is a run of terminators (. ! ? … or "..."),
// then closing quotes or brackets, then white space, then something that can start a sentence
// (a capital, a digit, an opening quote or bracket). A single period after a known abbreviation
// ("Mr.", "e.g.") or a single letter ("J. Smith", "p. 4") is not a boundary; neither is a terminator followed
// by a lowercase word ("'Oh dear!' said the Rabbit"). Chinese and Japanese full stops (。！？) end a
// sentence where they stand, as those scripts put no space between sentences.

const TERMINATORS = '.!?…。！？';
const FULL_WIDTH_TERMINATORS = '。！？';
const CLOSERS = '"\'”’)]}»_*」』）';
const OPENERS = '"\'“‘([{«_*';

/** Lowercase words that a period follows without ending the sentence. */
const ABBREVIATIONS: ReadonlySet<string> = new Set([
  'mr', 'mrs', 'ms', 'messrs', 'mme', 'mlle', 'dr', 'prof', 'st', 'jr', 'sr', 'rev', 'hon', 'capt', 'col', 'gen', 'lt',
  'sgt', 'maj', 'cmdr', 'adm', 'gov', 'sen', 'rep', 'pres', 'esq', 'mt', 'ft', 'vs', 'viz', 'cf', 'al', 'approx',
  'vol', 'vols', 'fig', 'figs', 'eq', 'pp', 'ch', 'chap', 'sec', 'art', 'inc', 'ltd', 'co', 'corp',
  'dept', 'univ', 'assn', 'bros', 'jan', 'feb', 'mar', 'apr', 'jun', 'jul', 'aug', 'sep', 'sept', 'oct', 'nov',
  'dec', 'e.g', 'i.e', 'u.s', 'u.k', 'a.m', 'p.m', 'ca',
]);

/** The sentences of `text`, trimmed, in order; empty text gives none. */
export function splitSentences(text: string): string[] {
  const sentences: string[] = [];
  let start = 0;
  let i = 0;
  const length = text.length;
  while (i < length) {
    if (!TERMINATORS.includes(text[i]!)) {
      i++;
      continue;
    }
    const terminatorStart = i;
    while (i < length && TERMINATORS.includes(text[i]!)) i++;
    const terminators = text.slice(terminatorStart, i);
    while (i < length && CLOSERS.includes(text[i]!)) i++;
    const end = i;
    if ([...FULL_WIDTH_TERMINATORS].some((char) => terminators.includes(char))) {
      pushTrimmed(sentences, text.slice(start, end));
      start = end;
      continue;
    }
    if (i >= length || !isSpace(text[i]!)) continue;
    while (i < length && isSpace(text[i]!)) i++;
    if (i >= length) break;
    if (!startsSentence(text, i)) continue;
    if (terminators === '.' && endsWithAbbreviation(text, start, terminatorStart)) continue;
    pushTrimmed(sentences, text.slice(start, end));
    start = i;
  }
  pushTrimmed(sentences, text.slice(start));
  return sentences;
}

function pushTrimmed(sentences: string[], sentence: string): void {
  const trimmed = sentence.trim();
  if (trimmed.length > 0) sentences.push(trimmed);
}

function isSpace(char: string): boolean {
  return /\s/u.test(char);
}

/** Whether the text at `at` can begin a sentence: a capital or digit, possibly after opening quotes. */
function startsSentence(text: string, at: number): boolean {
  let i = at;
  while (i < text.length && OPENERS.includes(text[i]!)) i++;
  if (i >= text.length) return false;
  const char = String.fromCodePoint(text.codePointAt(i)!);
  return /[\p{Lu}\p{Lt}\p{N}]/u.test(char) || (/\p{L}/u.test(char) && !/\p{Ll}/u.test(char));
}

/** Whether the word before the period at `periodIndex` is an abbreviation or a single-letter initial. */
function endsWithAbbreviation(text: string, sentenceStart: number, periodIndex: number): boolean {
  let wordStart = periodIndex;
  while (wordStart > sentenceStart && /[\p{L}.]/u.test(text[wordStart - 1]!)) wordStart--;
  const word = text.slice(wordStart, periodIndex).replace(/^\.+/, '');
  if (word.length === 0) return false;
  if (word.length === 1) return true; // an initial ("J. R. R. Tolkien") or a one-letter abbreviation ("p. 4")
  return ABBREVIATIONS.has(word.toLowerCase());
}
