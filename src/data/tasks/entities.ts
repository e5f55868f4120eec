// Entities from tag sequences, and entity-level precision/recall/F1 as conlleval and seqeval score them.
//
// Two readings of a tag sequence:
// - 'conlleval' (seqeval's default mode, a port of conlleval.pl): lenient. Any I-X that follows O or
//   another type starts an entity, so IOB1 (CoNLL-2003's tags, where I-X starts entities and B-X only
//   separates two adjacent entities of one type), IOB2 and IOBES all read as intended.
// - 'strict' (seqeval's mode='strict'): an entity must be well formed in the given scheme
//   (IOB2: B-X I-X*; IOBES: S-X or B-X I-X* E-X); malformed runs count as no entity.
//   IOB1 has no strict reading here: convert it to IOB2 (toIob2), which keeps its entities.

import type { TaggingScheme } from './task.js';
import { precisionRecallF1, type PrecisionRecallF1 } from './metrics.js';

export interface Entity {
  type: string;
  /** Word index of the first word. */
  start: number;
  /** Word index one past the last word. */
  end: number;
}

export type EntityMode = 'conlleval' | 'strict';

interface ParsedTag {
  prefix: string;
  type: string;
}

function parseTag(tag: string): ParsedTag {
  if (tag === 'O') return { prefix: 'O', type: '' };
  const prefix = tag[0]!;
  // seqeval: the type is what follows the prefix and its delimiter; a bare prefix gets type '_'.
  const type = tag.slice(1).replace(/^-/, '') || '_';
  return { prefix, type };
}

/** Entities of one sentence's tags, read leniently (conlleval / seqeval default mode). */
export function conllevalEntities(tags: readonly string[]): Entity[] {
  const entities: Entity[] = [];
  let previous: ParsedTag = { prefix: 'O', type: '' };
  let begin = 0;
  for (let i = 0; i <= tags.length; i++) {
    const current = i < tags.length ? parseTag(tags[i]!) : { prefix: 'O', type: '' };
    if (endsChunk(previous, current)) entities.push({ type: previous.type, start: begin, end: i });
    if (startsChunk(previous, current)) begin = i;
    previous = current;
  }
  return entities;
}

function endsChunk(previous: ParsedTag, current: ParsedTag): boolean {
  const p = previous.prefix;
  const c = current.prefix;
  if (p === 'E' || p === 'S') return true;
  if ((p === 'B' || p === 'I') && (c === 'B' || c === 'S' || c === 'O')) return true;
  return p !== 'O' && p !== '.' && previous.type !== current.type;
}

function startsChunk(previous: ParsedTag, current: ParsedTag): boolean {
  const p = previous.prefix;
  const c = current.prefix;
  if (c === 'B' || c === 'S') return true;
  if ((p === 'E' || p === 'S' || p === 'O') && (c === 'E' || c === 'I')) return true;
  return c !== 'O' && c !== '.' && previous.type !== current.type;
}

/** Entities of one sentence's tags that are well formed in `scheme` (seqeval mode='strict'). */
export function strictEntities(tags: readonly string[], scheme: TaggingScheme): Entity[] {
  if (scheme === 'IOB1') throw new Error('strict entities need IOB2 or IOBES tags: convert IOB1 with toIob2 first');
  const parsed = tags.map((tag, index) => {
    const t = parseTag(tag);
    if (!allowedPrefixes(scheme).includes(t.prefix)) throw new Error(`tag ${index + 1} '${tag}' is not a ${scheme} tag`);
    return t;
  });
  const entities: Entity[] = [];
  for (let i = 0; i < parsed.length; ) {
    const first = parsed[i]!;
    if (first.prefix === 'S' && scheme === 'IOBES') {
      entities.push({ type: first.type, start: i, end: i + 1 });
      i++;
      continue;
    }
    if (first.prefix !== 'B') {
      i++;
      continue;
    }
    let end = i + 1;
    let last = first;
    // Inside: I-X after B-X or I-X; in IOBES also the closing E-X.
    while (end < parsed.length && (last.prefix === 'B' || last.prefix === 'I') && parsed[end]!.type === first.type
      && (parsed[end]!.prefix === 'I' || (scheme === 'IOBES' && parsed[end]!.prefix === 'E'))) {
      last = parsed[end]!;
      end++;
    }
    const closed = scheme === 'IOB2' || last.prefix === 'E';
    if (closed) entities.push({ type: first.type, start: i, end });
    i = end;
  }
  return entities;
}

function allowedPrefixes(scheme: TaggingScheme): string[] {
  return scheme === 'IOBES' ? ['O', 'B', 'I', 'E', 'S'] : ['O', 'B', 'I'];
}

/** IOB1 → IOB2: an I-X that starts an entity becomes B-X; entities are unchanged (identity on valid IOB2). */
export function toIob2(tags: readonly string[]): string[] {
  const converted: string[] = [];
  let previous: ParsedTag = { prefix: 'O', type: '' };
  for (const tag of tags) {
    const current = parseTag(tag);
    const startsEntity = current.prefix === 'I' && (previous.prefix === 'O' || previous.type !== current.type);
    converted.push(startsEntity ? `B-${current.type}` : tag);
    previous = current;
  }
  return converted;
}

/** The scheme a sentence set is written in: IOBES if it uses E-/S-, IOB1 if an I-X starts an entity, else IOB2. */
export function detectScheme(sentences: readonly (readonly string[])[]): TaggingScheme {
  let iob1 = false;
  for (const tags of sentences) {
    let previous: ParsedTag = { prefix: 'O', type: '' };
    for (const tag of tags) {
      const current = parseTag(tag);
      if (current.prefix === 'E' || current.prefix === 'S') return 'IOBES';
      if (current.prefix === 'I' && (previous.prefix === 'O' || previous.type !== current.type)) iob1 = true;
      previous = current;
    }
  }
  return iob1 ? 'IOB1' : 'IOB2';
}

export interface EntityScores extends PrecisionRecallF1 {
  /** Per entity type, sorted by type name. */
  perType: Record<string, PrecisionRecallF1>;
}

/**
 * Micro-averaged entity P/R/F1 over sentences, with per-type scores (seqeval's classification_report).
 * An entity counts as correct when type, start and end all match.
 */
export function entityScores(
  goldSentences: readonly (readonly string[])[],
  predictedSentences: readonly (readonly string[])[],
  options: { mode?: EntityMode; scheme?: TaggingScheme } = {},
): EntityScores {
  if (goldSentences.length !== predictedSentences.length) throw new Error(`entityScores: ${predictedSentences.length} predicted sentences for ${goldSentences.length} gold`);
  const mode = options.mode ?? 'conlleval';
  const extract = (tags: readonly string[]) => (mode === 'strict' ? strictEntities(tags, options.scheme ?? 'IOB2') : conllevalEntities(tags));
  const counts = new Map<string, { tp: number; predicted: number; gold: number }>();
  const count = (type: string) => {
    let entry = counts.get(type);
    if (!entry) counts.set(type, (entry = { tp: 0, predicted: 0, gold: 0 }));
    return entry;
  };
  goldSentences.forEach((goldTags, s) => {
    const predictedTags = predictedSentences[s]!;
    if (predictedTags.length !== goldTags.length) throw new Error(`entityScores: sentence ${s + 1} has ${predictedTags.length} predicted tags for ${goldTags.length} words`);
    const gold = extract(goldTags);
    const goldKeys = new Set(gold.map(key));
    for (const entity of gold) count(entity.type).gold++;
    for (const entity of extract(predictedTags)) {
      const entry = count(entity.type);
      entry.predicted++;
      if (goldKeys.has(key(entity))) entry.tp++;
    }
  });
  const perType: Record<string, PrecisionRecallF1> = {};
  let tp = 0;
  let predicted = 0;
  let gold = 0;
  for (const type of [...counts.keys()].sort()) {
    const entry = counts.get(type)!;
    perType[type] = precisionRecallF1(entry.tp, entry.predicted, entry.gold);
    tp += entry.tp;
    predicted += entry.predicted;
    gold += entry.gold;
  }
  return { ...precisionRecallF1(tp, predicted, gold), perType };
}

function key(entity: Entity): string {
  return `${entity.type}\u0000${entity.start}\u0000${entity.end}`;
}
