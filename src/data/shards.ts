// Pre-tokenised binary shards: a corpus is tokenised once, streaming, into shard files that
// training reads back in bounded memory.
//
// A shard file (`train-00000.shard`, `held-out-00000.shard`), little-endian:
//   header, 32 bytes: magic "BKSHARD1", u32 version (1), u32 token bytes (2 or 4),
//                     u32 documents D, u32 sentences S, f64 tokens N
//   u32[D]  cumulative sentence count at the end of each document
//   u32[S]  cumulative token count at the end of each sentence
//   u16[N] or i32[N] token ids (u16 when the vocabulary has ≤ 65536 tokens)
// `shards.json` (the manifest) names the shards of each split with their counts, the vocabulary's
// size and SHA-256, and how the corpus was read.
//
// Memory: building holds one shard (≤ `shardTokens` tokens plus 4 bytes per sentence) and one
// document at a time. Reading keeps 8 bytes per document (where it ends in sentences and in tokens)
// and reads sentence boundaries and tokens from disk on demand, a document or a run of sentences
// at a time.
import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readdirSync, readSync, rmSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';
import { writeFileAtomic } from '../io/atomic-write.js';
import { readJsonFile } from '../io/json-file.js';
import { readFully } from '../io/read-fully.js';
import { Rng } from '../runtime/rng.js';
import type { BertTokenizer } from '../tokenizer/bert-tokenizer.js';
import type { Vocab } from '../tokenizer/vocab.js';
import { readCorpus, type CorpusOptions } from './corpus.js';
import type { DocumentCorpus } from './pretraining-instances.js';

const SHARD_MAGIC = 'BKSHARD1';
const HEADER_BYTES = 32;
const MANIFEST_FILE = 'shards.json';

export type ShardSplit = 'train' | 'heldOut';

export interface ShardInfo {
  file: string;
  documents: number;
  sentences: number;
  tokens: number;
}

export interface SplitInfo {
  shards: ShardInfo[];
  documents: number;
  sentences: number;
  tokens: number;
}

export interface ShardManifest {
  format: 'bertkit-pretraining-shards';
  version: 1;
  vocab: { size: number; sha256: string };
  tokenBytes: 2 | 4;
  /** `deduplicate`: whether repeated sentences were dropped (absent in manifests written before the option), `duplicates`: how many. */
  corpus: { files: string[]; format: string; maxDocumentSentences: number | null; deduplicate?: boolean; duplicates?: number };
  splits: { train: SplitInfo; heldOut: SplitInfo };
}

export interface BuildShardsOptions extends Pick<CorpusOptions, 'format' | 'maxDocumentSentences' | 'jsonField'> {
  /**
   * Share of documents held out, each document drawn independently with the seeded RNG (default 0.01);
   * when the draw holds out none and there are two documents or more, the last one is held out.
   */
  heldOutFraction?: number;
  /** Instead of a fraction: hold out exactly this many documents, the corpus's last ones. */
  heldOutDocuments?: number;
  /** Seed of the held-out draw (default 0). */
  seed?: number;
  /** Tokens per shard file (default 2^22). */
  shardTokens?: number;
  /** Called as the corpus is read: bytes of its files read so far, and in all (a CLI draws a progress bar). */
  onProgress?: (bytesRead: number, totalBytes: number) => void;
  /**
   * Drop every sentence whose exact text (trimmed) came earlier in the corpus, before tokenising (Lee et
   * al. 2022 on duplicated training text). Memory: one number per distinct sentence.
   */
  deduplicate?: boolean;
}

/** SHA-256 of a vocabulary's vocab.txt text: shards name the vocabulary their ids belong to. */
export function vocabHash(vocab: Vocab): string {
  return createHash('sha256').update(vocab.toText()).digest('hex');
}

/**
 * A 53-bit hash of a sentence (two FNV-1a passes over its UTF-16 units with different offsets): at a
 * billion distinct sentences about one pair collides, and a collision drops one sentence.
 */
function sentenceKey(text: string): number {
  let low = 0x811c9dc5, high = 0x050c5d1f;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    low = Math.imul(low ^ unit, 0x01000193);
    high = Math.imul(high ^ unit, 0x01000193) ^ (high >>> 15);
  }
  return (high >>> 0) * 0x200000 + ((low >>> 0) & 0x1fffff);
}

/** Tokenises the corpus at `corpusPaths` into shards under `outDir` (created if absent); returns them opened. */
export async function buildShards(corpusPaths: string[], tokenizer: BertTokenizer, outDir: string, options: BuildShardsOptions = {}): Promise<ShardSet> {
  const heldOutFraction = options.heldOutFraction ?? 0.01;
  if (!(heldOutFraction >= 0 && heldOutFraction < 1)) throw new Error(`buildShards: heldOutFraction must be in [0, 1), got ${heldOutFraction}`);
  const heldOutDocuments = options.heldOutDocuments;
  if (heldOutDocuments !== undefined && !(Number.isInteger(heldOutDocuments) && heldOutDocuments >= 0)) {
    throw new Error(`buildShards: heldOutDocuments must be a non-negative integer, got ${heldOutDocuments}`);
  }
  const shardTokens = options.shardTokens ?? 1 << 22;
  if (!(Number.isInteger(shardTokens) && shardTokens > 0)) throw new Error(`buildShards: shardTokens must be a positive integer, got ${shardTokens}`);
  mkdirSync(outDir, { recursive: true });
  // Without a manifest a half-rebuilt folder never passes for a finished one.
  rmSync(join(outDir, MANIFEST_FILE), { force: true });
  const vocab = tokenizer.vocab;
  const tokenBytes: 2 | 4 = vocab.size <= 65536 ? 2 : 4;
  const specialTexts = tokenizer.addedTokens.filter((token) => token.special && /^[!-/:-@[-`{-~]/.test(token.content)).map((token) => token.content);
  const writers = { train: new ShardWriter(outDir, 'train', tokenBytes, shardTokens), heldOut: new ShardWriter(outDir, 'held-out', tokenBytes, shardTokens) };
  const rng = new Rng(options.seed ?? 0, Rng.streamOf('held-out documents'));
  const lastDocuments: Uint8Array[][] = []; // documents not yet written, which may end up held out
  const corpus = readCorpus(corpusPaths, {
    format: options.format,
    maxDocumentSentences: options.maxDocumentSentences,
    jsonField: options.jsonField,
    onProgress: options.onProgress,
  });
  const seen = options.deduplicate ? new Set<number>() : undefined;
  let duplicates = 0;
  for await (const document of corpus) {
    const sentences: Uint8Array[] = [];
    for (const sentence of document.sentences) {
      if (seen !== undefined) {
        const key = sentenceKey(sentence);
        if (seen.has(key)) {
          duplicates++;
          continue;
        }
        seen.add(key);
      }
      const ids = tokenizer.encode(defuseSpecialTokens(sentence, specialTexts), null, { addSpecialTokens: false }).ids;
      if (ids.length > 0) sentences.push(encodeIds(ids, tokenBytes));
    }
    if (sentences.length === 0) continue;
    if (heldOutDocuments !== undefined) {
      lastDocuments.push(sentences);
      if (lastDocuments.length > heldOutDocuments) writers.train.add(lastDocuments.shift()!);
    } else if (rng.uniform() < heldOutFraction) {
      writers.heldOut.add(sentences);
    } else {
      // The latest training document waits, to be held out if the draw held out none at all.
      if (lastDocuments.length > 0) writers.train.add(lastDocuments.pop()!);
      lastDocuments.push(sentences);
    }
  }
  if (heldOutDocuments !== undefined) {
    for (const sentences of lastDocuments) writers.heldOut.add(sentences);
  } else if (lastDocuments.length > 0) {
    const noneHeldOut = heldOutFraction > 0 && writers.heldOut.documentCount === 0 && writers.train.documentCount > 0;
    (noneHeldOut ? writers.heldOut : writers.train).add(lastDocuments[0]!);
  }
  const manifest: ShardManifest = {
    format: 'bertkit-pretraining-shards',
    version: 1,
    vocab: { size: vocab.size, sha256: vocabHash(vocab) },
    tokenBytes,
    corpus: {
      files: corpusPaths.map((path) => resolve(path)), format: options.format ?? 'auto', maxDocumentSentences: options.maxDocumentSentences ?? null,
      ...(options.deduplicate ? { deduplicate: true, duplicates } : {}),
    },
    splits: { train: writers.train.finish(), heldOut: writers.heldOut.finish() },
  };
  writeFileAtomic(join(outDir, MANIFEST_FILE), Buffer.from(JSON.stringify(manifest, null, 2) + '\n'));
  const current = new Set([...manifest.splits.train.shards, ...manifest.splits.heldOut.shards].map((shard) => shard.file));
  for (const file of readdirSync(outDir)) {
    if (/^(train|held-out)-\d{5,}\.shard$/.test(file) && !current.has(file)) rmSync(join(outDir, file)); // left by an earlier, larger build
  }
  return ShardSet.open(outDir);
}

/**
 * The text with special-token strings ("[MASK]", "[SEP]") broken after their first character, so
 * that they tokenise as ordinary text ("[", "mask", "]"), as google-research/bert's tokenizer reads
 * them: a corpus must not inject [MASK] or [SEP] ids. Only tokens that begin with ASCII punctuation
 * are broken, which BERT's pre-tokenizer splits off anyway, so the tokens are the same.
 */
function defuseSpecialTokens(text: string, specialTexts: readonly string[]): string {
  for (const special of specialTexts) {
    if (text.includes(special)) text = text.split(special).join(`${special[0]} ${special.slice(1)}`);
  }
  return text;
}

function encodeIds(ids: readonly number[], tokenBytes: 2 | 4): Uint8Array {
  const array = tokenBytes === 2 ? Uint16Array.from(ids) : Int32Array.from(ids);
  return new Uint8Array(array.buffer);
}

/** Gathers documents into shard files of about `shardTokens` tokens (a document is never split). */
class ShardWriter {
  private readonly shards: ShardInfo[] = [];
  private documentEnds: number[] = [];
  private sentenceEnds: number[] = [];
  private tokenChunks: Uint8Array[] = [];
  private tokens = 0;
  /** Documents added so far. */
  documentCount = 0;

  constructor(private readonly dir: string, private readonly prefix: string, private readonly tokenBytes: 2 | 4, private readonly shardTokens: number) {}

  add(sentences: Uint8Array[]): void {
    for (const sentence of sentences) {
      this.tokens += sentence.byteLength / this.tokenBytes;
      this.sentenceEnds.push(this.tokens);
      this.tokenChunks.push(sentence);
    }
    this.documentEnds.push(this.sentenceEnds.length);
    this.documentCount++;
    if (this.tokens >= this.shardTokens) this.flush();
  }

  finish(): SplitInfo {
    this.flush();
    const sum = (key: 'documents' | 'sentences' | 'tokens') => this.shards.reduce((total, shard) => total + shard[key], 0);
    return { shards: this.shards, documents: sum('documents'), sentences: sum('sentences'), tokens: sum('tokens') };
  }

  private flush(): void {
    if (this.documentEnds.length === 0) return;
    if (this.tokens > 0xffffffff) throw new Error(`buildShards: a shard would hold ${this.tokens} tokens, more than 2^32; lower shardTokens`);
    const file = `${this.prefix}-${String(this.shards.length).padStart(5, '0')}.shard`;
    const header = Buffer.alloc(HEADER_BYTES);
    header.write(SHARD_MAGIC, 0, 'latin1');
    header.writeUInt32LE(1, 8);
    header.writeUInt32LE(this.tokenBytes, 12);
    header.writeUInt32LE(this.documentEnds.length, 16);
    header.writeUInt32LE(this.sentenceEnds.length, 20);
    header.writeDoubleLE(this.tokens, 24);
    const documentEnds = new Uint8Array(Uint32Array.from(this.documentEnds).buffer);
    const sentenceEnds = new Uint8Array(Uint32Array.from(this.sentenceEnds).buffer);
    writeFileAtomic(join(this.dir, file), [header, documentEnds, sentenceEnds, ...this.tokenChunks]);
    this.shards.push({ file, documents: this.documentEnds.length, sentences: this.sentenceEnds.length, tokens: this.tokens });
    this.documentEnds = [];
    this.sentenceEnds = [];
    this.tokenChunks = [];
    this.tokens = 0;
  }
}

/** One shard's document boundaries in memory; sentence boundaries and tokens stay on disk. */
interface OpenShard {
  path: string;
  /** Cumulative sentences at each document's end. */
  documentEnds: Uint32Array;
  /** Cumulative tokens at each document's end. */
  documentTokenEnds: Uint32Array;
  sentenceEndsOffset: number;
  tokensOffset: number;
}

/** A pre-tokenised corpus on disk: the manifest and every shard's document boundaries. */
export class ShardSet {
  readonly dir: string;
  readonly manifest: ShardManifest;
  private readonly splits: Record<ShardSplit, ShardSplitReader>;

  private constructor(dir: string, manifest: ShardManifest) {
    this.dir = dir;
    this.manifest = manifest;
    this.splits = {
      train: new ShardSplitReader(dir, manifest.splits.train, manifest.tokenBytes),
      heldOut: new ShardSplitReader(dir, manifest.splits.heldOut, manifest.tokenBytes),
    };
  }

  static open(dir: string): ShardSet {
    const path = join(dir, MANIFEST_FILE);
    if (!existsSync(path)) throw new Error(`${path}: no shard manifest here (build shards first)`);
    const manifest = readJsonFile(path) as ShardManifest;
    if (manifest.format !== 'bertkit-pretraining-shards' || manifest.version !== 1) {
      throw new Error(`${path}: not a version 1 bertkit shard manifest (format ${JSON.stringify(manifest.format)}, version ${JSON.stringify(manifest.version)})`);
    }
    if (manifest.tokenBytes !== 2 && manifest.tokenBytes !== 4) throw new Error(`${path}: tokenBytes must be 2 or 4, got ${JSON.stringify(manifest.tokenBytes)}`);
    return new ShardSet(dir, manifest);
  }

  split(name: ShardSplit): ShardSplitReader {
    return this.splits[name];
  }

  /** Throws unless the shards were built with `vocab`. */
  checkVocab(vocab: Vocab): void {
    const expected = this.manifest.vocab;
    if (expected.size !== vocab.size || expected.sha256 !== vocabHash(vocab)) {
      throw new Error(
        `${join(this.dir, MANIFEST_FILE)}: the shards were built with another vocabulary (${expected.size} tokens, sha256 ${expected.sha256.slice(0, 12)}…) than ${vocab.source} (${vocab.size} tokens, sha256 ${vocabHash(vocab).slice(0, 12)}…)`,
      );
    }
  }
}

/**
 * The documents of one split, numbered across its shards in order. Memory: 8 bytes per document;
 * a document's sentence boundaries and tokens are read from disk when asked for.
 */
export class ShardSplitReader implements DocumentCorpus {
  readonly documentCount: number;
  readonly sentenceTotal: number;
  readonly tokenTotal: number;
  private readonly shards: OpenShard[] = [];
  /** First global document number of each shard. */
  private readonly shardStarts: number[] = [];
  private readonly fileHandles = new Map<string, number>();

  constructor(private readonly dir: string, info: SplitInfo, private readonly tokenBytes: 2 | 4) {
    let documents = 0;
    for (const shard of info.shards) {
      this.shardStarts.push(documents);
      this.shards.push(this.readBoundaries(shard, tokenBytes));
      documents += shard.documents;
    }
    this.documentCount = documents;
    this.sentenceTotal = info.sentences;
    this.tokenTotal = info.tokens;
  }

  /** Tokens in `document`. */
  documentTokens(document: number): number {
    const [shard, local] = this.locate(document);
    return shard.documentTokenEnds[local]! - (local === 0 ? 0 : shard.documentTokenEnds[local - 1]!);
  }

  sentenceCount(document: number): number {
    const [shard, local] = this.locate(document);
    return shard.documentEnds[local]! - (local === 0 ? 0 : shard.documentEnds[local - 1]!);
  }

  /** A whole document: its sentences' token ids (views into one buffer). */
  document(document: number): Int32Array[] {
    return this.sentencesFrom(document, 0, Infinity);
  }

  sentencesFrom(document: number, start: number, minTokens: number): Int32Array[] {
    const [shard, local] = this.locate(document);
    const documentStart = local === 0 ? 0 : shard.documentEnds[local - 1]!;
    const documentEnd = shard.documentEnds[local]!;
    if (!(Number.isInteger(start) && start >= 0 && documentStart + start < documentEnd)) {
      throw new Error(`shards: document ${document} has no sentence ${start}`);
    }
    // ends[k] = tokens at the end of sentence documentStart + k, counted from the shard's start.
    const ends = this.readUint32(shard, shard.sentenceEndsOffset + 4 * documentStart, documentEnd - documentStart);
    const tokenStart = start === 0 ? (local === 0 ? 0 : shard.documentTokenEnds[local - 1]!) : ends[start - 1]!;
    let last = start;
    while (last + 1 < ends.length && ends[last]! - tokenStart < minTokens) last++;
    const ids = this.readTokens(shard, tokenStart, ends[last]!);
    const sentences: Int32Array[] = [];
    for (let k = start; k <= last; k++) {
      sentences.push(ids.subarray((k === start ? tokenStart : ends[k - 1]!) - tokenStart, ends[k]! - tokenStart));
    }
    return sentences;
  }

  /** Closes the shard files kept open for reading. */
  close(): void {
    for (const fd of this.fileHandles.values()) closeSync(fd);
    this.fileHandles.clear();
  }

  private locate(document: number): [OpenShard, number] {
    if (!(Number.isInteger(document) && document >= 0 && document < this.documentCount)) {
      throw new Error(`shards: document ${document} is out of range [0, ${this.documentCount})`);
    }
    let low = 0;
    let high = this.shardStarts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (this.shardStarts[middle]! <= document) low = middle;
      else high = middle - 1;
    }
    return [this.shards[low]!, document - this.shardStarts[low]!];
  }

  private readBytes(shard: OpenShard, position: number, length: number): Buffer {
    const bytes = Buffer.alloc(length);
    readFully(this.handle(shard.path), bytes, position, shard.path);
    return bytes;
  }

  private readUint32(shard: OpenShard, position: number, count: number): Uint32Array {
    const bytes = this.readBytes(shard, position, 4 * count);
    return new Uint32Array(bytes.buffer, bytes.byteOffset, count);
  }

  private readTokens(shard: OpenShard, start: number, end: number): Int32Array {
    const bytes = this.readBytes(shard, shard.tokensOffset + start * this.tokenBytes, (end - start) * this.tokenBytes);
    if (this.tokenBytes === 4) return new Int32Array(bytes.buffer, bytes.byteOffset, end - start);
    return Int32Array.from(new Uint16Array(bytes.buffer, bytes.byteOffset, end - start));
  }

  private handle(path: string): number {
    let fd = this.fileHandles.get(path);
    if (fd === undefined) {
      if (this.fileHandles.size >= 32) this.close();
      fd = openSync(path, 'r');
      this.fileHandles.set(path, fd);
    }
    return fd;
  }

  private readBoundaries(info: ShardInfo, tokenBytes: 2 | 4): OpenShard {
    const path = join(this.dir, info.file);
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch {
      throw new Error(`${path}: shard file missing (named in ${MANIFEST_FILE})`);
    }
    try {
      const header = Buffer.alloc(HEADER_BYTES);
      if (readSync(fd, header, 0, HEADER_BYTES, 0) !== HEADER_BYTES || header.toString('latin1', 0, 8) !== SHARD_MAGIC) {
        throw new Error(`${path}: not a bertkit shard (bad header)`);
      }
      const documents = header.readUInt32LE(16);
      const sentences = header.readUInt32LE(20);
      const tokens = header.readDoubleLE(24);
      if (header.readUInt32LE(12) !== tokenBytes || documents !== info.documents || sentences !== info.sentences || tokens !== info.tokens) {
        throw new Error(`${path}: header (${documents} documents, ${sentences} sentences, ${tokens} tokens) disagrees with ${MANIFEST_FILE}`);
      }
      const boundaries = Buffer.alloc(4 * (documents + sentences));
      readFully(fd, boundaries, HEADER_BYTES, path);
      const words = new Uint32Array(boundaries.buffer, boundaries.byteOffset, documents + sentences);
      const documentEnds = words.slice(0, documents);
      const documentTokenEnds = documentEnds.map((sentenceEnd) => words[documents + sentenceEnd - 1]!);
      const tokensOffset = HEADER_BYTES + boundaries.length;
      if (fstatSync(fd).size !== tokensOffset + tokens * tokenBytes) throw new Error(`${path}: ${fstatSync(fd).size} bytes, expected ${tokensOffset + tokens * tokenBytes} (truncated shard?)`);
      return { path, documentEnds, documentTokenEnds, sentenceEndsOffset: HEADER_BYTES + 4 * documents, tokensOffset };
    } finally {
      closeSync(fd);
    }
  }
}
