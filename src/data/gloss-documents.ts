// WordNet glosses as a pretraining corpus. A synset alone is a one- or two-sentence document, too
// short for next-sentence prediction, so consecutive synsets of one lexicographer file (in file
// order, where related senses sit together) form a document: its sentences are each synset's
// definition followed by its examples. "B follows A" then means "B glosses a neighbouring sense of
// the same supersense", and a random B comes from another document: NSP learns topical coherence.
import { writeFileSync } from 'node:fs';
import type { Synset } from './wordnet.js';

/** Documents (lists of sentences) of up to `synsetsPerDocument` consecutive synsets sharing a lexicographer file. */
export function glossDocuments(synsets: readonly Synset[], synsetsPerDocument: number): string[][] {
  if (!Number.isInteger(synsetsPerDocument) || synsetsPerDocument < 1) throw new Error(`glossDocuments: synsetsPerDocument must be a positive integer, got ${synsetsPerDocument}`);
  const byLexFile = new Map<string, Synset[]>();
  for (const synset of synsets) {
    const group = byLexFile.get(synset.lexFile);
    if (group === undefined) byLexFile.set(synset.lexFile, [synset]);
    else group.push(synset);
  }
  const documents: string[][] = [];
  for (const group of byLexFile.values()) {
    for (let start = 0; start < group.length; start += synsetsPerDocument) {
      const sentences = group.slice(start, start + synsetsPerDocument)
        .flatMap((synset) => [synset.definition, ...synset.examples])
        .map((sentence) => sentence.replace(/\s+/g, ' ').trim())
        .filter((sentence) => sentence !== '');
      if (sentences.length > 0) documents.push(sentences);
    }
  }
  return documents;
}

/** Writes documents in BERT's corpus format: one sentence per line, a blank line between documents. */
export function writeSentenceCorpus(path: string, documents: readonly (readonly string[])[]): void {
  writeFileSync(path, documents.map((sentences) => `${sentences.join('\n')}\n`).join('\n'));
}
