// The merge loop of Hugging Face tokenizers' BpeTrainer, which its WordPieceTrainer wraps
// (tokenizers/src/models/bpe/trainer.rs, word.rs), reproduced decision for decision:
//  1. special tokens, in the given order;
//  2. the alphabet: characters weighted by word frequency, the `limitAlphabet` most frequent kept
//     (initial-alphabet characters always), added in code-point order;
//  3. every word split into characters, non-initial ones prefixed ('##a'); such prefixed
//     tokens are added as first met, words in the order of their first appearance in the corpus
//     (HF walks a hash map here, so its order, and ties that depend on it, vary between runs);
//  4. repeatedly merge the most frequent adjacent pair (ties: the smaller (left id, right id)),
//     new token = left + right without its prefix, until the vocabulary has `vocabSize` tokens or
//     the best pair occurs fewer than `minFrequency` times.
// Like HF, pair counts are updated incrementally from the words that contain the merged pair,
// and a priority-queue entry carries the set of words it was counted in; stale entries are
// re-queued with their current count when popped. Symbols are integers; strings are built once
// per merge, never per word.

export interface MergeTrainingOptions {
  vocabSize: number;
  /** A pair must occur at least this often to be merged (HF default 0). */
  minFrequency: number;
  specialTokens: readonly string[];
  /** Keep at most this many alphabet characters (the most frequent); undefined keeps all. */
  limitAlphabet?: number;
  /** Characters always in the alphabet, even when absent from the corpus. */
  initialAlphabet: readonly string[];
  /** Marks a token that continues a word ('##' for WordPiece, '' for plain BPE). */
  continuingSubwordPrefix: string;
  /** Called every few merges with the vocabulary size reached so far. */
  onMerge?: (vocabularySize: number) => void;
}

export interface LearnedVocabulary {
  /** Tokens in id order: specials, alphabet, then prefixed characters and merges as created. */
  tokens: string[];
  /** Alphabet characters kept (without their prefixed forms). */
  alphabetSize: number;
  /** Tokens in the vocabulary before the first merge. */
  initialSize: number;
  merges: number;
  /** Why merging stopped. */
  stoppedBy: 'vocab-size' | 'min-frequency' | 'no-more-pairs';
}

/** Thrown when the special tokens and the alphabet alone exceed the requested vocabulary size. */
export class VocabularyTooSmallError extends Error {}

// Pair keys pack (left, right) into one exactly representable number: ids stay below 2^26.
const PAIR_BASE = 2 ** 26;
const pairKey = (left: number, right: number): number => left * PAIR_BASE + right;

/** Learns a vocabulary from word counts (word → occurrences), as HF's BpeTrainer::do_train. */
export function learnVocabulary(wordCounts: ReadonlyMap<string, number>, options: MergeTrainingOptions): LearnedVocabulary {
  const tokens: string[] = [];
  const ids = new Map<string, number>();
  const addToken = (token: string): number => {
    let id = ids.get(token);
    if (id === undefined) {
      id = tokens.length;
      tokens.push(token);
      ids.set(token, id);
    }
    return id;
  };

  for (const special of options.specialTokens) addToken(special);
  const alphabet = chooseAlphabet(wordCounts, options);
  for (const char of alphabet) addToken(char);

  const corpus = splitWords(wordCounts, ids, addToken, options.continuingSubwordPrefix);
  const initialSize = tokens.length;
  if (initialSize > options.vocabSize) {
    throw new VocabularyTooSmallError(
      `vocabulary size ${options.vocabSize} is smaller than the ${initialSize} tokens needed before any merge ` +
        `(${options.specialTokens.length} special tokens, ${alphabet.length} alphabet characters and ` +
        `${initialSize - options.specialTokens.length - alphabet.length} of their '${options.continuingSubwordPrefix}' forms); ` +
        `raise the vocabulary size or limit the alphabet`,
    );
  }

  const { pairCounts, queue } = countPairs(corpus);
  let merges = 0;
  let stoppedBy: LearnedVocabulary['stoppedBy'] = 'no-more-pairs';
  const prefix = options.continuingSubwordPrefix;
  for (;;) {
    if (tokens.length >= options.vocabSize) {
      stoppedBy = 'vocab-size';
      break;
    }
    const top = queue.pop();
    if (top === undefined) break;
    const current = pairCounts.get(pairKey(top.left, top.right))!;
    if (top.count !== current) {
      top.count = current;
      queue.push(top);
      continue;
    }
    if (top.count < 1) break;
    if (top.count < options.minFrequency) {
      stoppedBy = 'min-frequency';
      break;
    }

    const right = tokens[top.right]!;
    const merged = addToken(tokens[top.left]! + (prefix !== '' && right.startsWith(prefix) ? right.slice(prefix.length) : right));
    merges++;
    mergeInWords(corpus, top, merged, pairCounts, queue);
    if (options.onMerge !== undefined && (merges & 255) === 0) options.onMerge(tokens.length);
  }
  options.onMerge?.(tokens.length);
  return { tokens, alphabetSize: alphabet.length, initialSize, merges, stoppedBy };
}

/** Alphabet characters (code points) to keep, in code-point order, as HF's compute_alphabet. */
function chooseAlphabet(wordCounts: ReadonlyMap<string, number>, options: MergeTrainingOptions): string[] {
  const frequency = new Map<string, number>();
  for (const [word, count] of wordCounts) {
    for (const char of word) frequency.set(char, (frequency.get(char) ?? 0) + count);
  }
  for (const char of options.initialAlphabet) {
    if ([...char].length !== 1) throw new Error(`initial alphabet entry '${char}' is not a single character`);
    frequency.set(char, Infinity);
  }
  let kept = [...frequency.keys()];
  const limit = options.limitAlphabet;
  if (limit !== undefined && kept.length > limit) {
    // HF sorts with an unstable sort, leaving ties at the cut to chance; here the higher code point goes first.
    kept.sort((a, b) => frequency.get(a)! - frequency.get(b)! || codePoint(b) - codePoint(a));
    kept = kept.slice(kept.length - limit);
  }
  return kept.sort((a, b) => codePoint(a) - codePoint(b));
}

const codePoint = (char: string): number => char.codePointAt(0)!;

/** The corpus as integer symbols: word i is symbols[start[i] .. start[i] + length[i]). */
interface SymbolCorpus {
  symbols: Int32Array;
  start: Int32Array;
  length: Int32Array;
  counts: Float64Array;
}

function splitWords(
  wordCounts: ReadonlyMap<string, number>,
  ids: Map<string, number>,
  addToken: (token: string) => number,
  prefix: string,
): SymbolCorpus {
  let totalChars = 0;
  for (const word of wordCounts.keys()) totalChars += word.length;
  const symbols = new Int32Array(totalChars);
  const start = new Int32Array(wordCounts.size);
  const length = new Int32Array(wordCounts.size);
  const counts = new Float64Array(wordCounts.size);
  // Prefixed forms of each alphabet character, looked up once per character rather than built per use.
  const continuingId = new Map<string, number>();
  let written = 0;
  let index = 0;
  for (const [word, count] of wordCounts) {
    start[index] = written;
    counts[index] = count;
    let first = true;
    for (const char of word) {
      const initialId = ids.get(char);
      // Characters left out of the alphabet are dropped from the word, as HF does.
      if (initialId !== undefined) {
        let id = initialId;
        if (!first) {
          id = continuingId.get(char) ?? -1;
          if (id < 0) {
            id = addToken(prefix + char);
            continuingId.set(char, id);
          }
        }
        symbols[written++] = id;
      }
      first = false;
    }
    length[index] = written - start[index]!;
    index++;
  }
  return { symbols, start, length, counts };
}

function countPairs(corpus: SymbolCorpus): { pairCounts: Map<number, number>; queue: MergeQueue } {
  const pairCounts = new Map<number, number>();
  const positions = new Map<number, number[]>();
  const { symbols, start, length, counts } = corpus;
  for (let word = 0; word < start.length; word++) {
    const end = start[word]! + length[word]!;
    for (let i = start[word]!; i + 1 < end; i++) {
      const key = pairKey(symbols[i]!, symbols[i + 1]!);
      pairCounts.set(key, (pairCounts.get(key) ?? 0) + counts[word]!);
      addPosition(positions, key, word);
    }
  }
  const queue = new MergeQueue();
  for (const [key, words] of positions) queue.push(entryFor(key, pairCounts.get(key)!, words));
  return { pairCounts, queue };
}

function addPosition(positions: Map<number, number[]>, key: number, word: number): void {
  const words = positions.get(key);
  if (words === undefined) positions.set(key, [word]);
  // Words are visited in order, so a repeat within one word is always the last entry.
  else if (words[words.length - 1] !== word) words.push(word);
}

function entryFor(key: number, count: number, words: number[]): MergeEntry {
  const left = Math.floor(key / PAIR_BASE);
  return { count, left, right: key - left * PAIR_BASE, words };
}

/**
 * Replaces `left right` by `merged` in the entry's words (left to right, non-overlapping, as
 * HF's Word::merge) and applies the neighbour pair changes. As in HF, the merged pair's own
 * count is left as is: it never returns unless a later merge rebuilds the same token.
 */
function mergeInWords(
  corpus: SymbolCorpus,
  entry: MergeEntry,
  merged: number,
  pairCounts: Map<number, number>,
  queue: MergeQueue,
): void {
  const { symbols, start, length, counts } = corpus;
  const { left, right } = entry;
  const created = new Map<number, number[]>();
  const change = (a: number, b: number, delta: number, word: number): void => {
    const key = pairKey(a, b);
    pairCounts.set(key, (pairCounts.get(key) ?? 0) + delta * counts[word]!);
    if (delta > 0) addPosition(created, key, word);
  };
  for (const word of entry.words) {
    const first = start[word]!;
    const end = first + length[word]!;
    let read = first;
    let write = first;
    while (read < end) {
      if (symbols[read] === left && read + 1 < end && symbols[read + 1] === right) {
        if (write > first) {
          const before = symbols[write - 1]!;
          change(before, left, -1, word);
          change(before, merged, 1, word);
        }
        if (read + 2 < end) {
          const after = symbols[read + 2]!;
          change(right, after, -1, word);
          change(merged, after, 1, word);
        }
        symbols[write++] = merged;
        read += 2;
      } else {
        symbols[write++] = symbols[read++]!;
      }
    }
    length[word] = write - first;
  }
  for (const [key, words] of created) {
    const count = pairCounts.get(key)!;
    if (count > 0) queue.push(entryFor(key, count, words));
  }
}

interface MergeEntry {
  count: number;
  left: number;
  right: number;
  /** Indices of the words this entry was counted in (some may no longer contain the pair). */
  words: number[];
}

/** Max-heap on count; among equal counts the smaller (left, right) pair comes first, as HF's Ord for Merge. */
class MergeQueue {
  private readonly heap: MergeEntry[] = [];

  push(entry: MergeEntry): void {
    const heap = this.heap;
    let child = heap.length;
    heap.push(entry);
    while (child > 0) {
      const parent = (child - 1) >> 1;
      if (!before(entry, heap[parent]!)) break;
      heap[child] = heap[parent]!;
      child = parent;
    }
    heap[child] = entry;
  }

  pop(): MergeEntry | undefined {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    if (heap.length === 0 || last === undefined) return top;
    let parent = 0;
    for (;;) {
      let child = 2 * parent + 1;
      if (child >= heap.length) break;
      if (child + 1 < heap.length && before(heap[child + 1]!, heap[child]!)) child++;
      if (!before(heap[child]!, last)) break;
      heap[parent] = heap[child]!;
      parent = child;
    }
    heap[parent] = last;
    return top;
  }
}

function before(a: MergeEntry, b: MergeEntry): boolean {
  if (a.count !== b.count) return a.count > b.count;
  if (a.left !== b.left) return a.left < b.left;
  return a.right < b.right;
}
