// bertkit's library API. Each area adds its public exports here.
export * as graph from './graph/index.js';
export { Session } from './runtime/session.js';
export type { HostTensor, SessionOptions } from './runtime/session.js';
export * from './tokenizer/index.js';
export { BERT_SPECIAL_TOKENS, VocabularyTooSmallError, saveTrainedTokenizer, trainOnWordCounts, trainWordPiece, type SavedTokenizer, type TrainingProgress, type TrainingSource, type WordPieceTrainerOptions, type WordPieceTraining } from './tokenizer/trainer.js';
export { LEX_FILE_NAMES, WORDNET_POS, defaultWordNetDir, parseSynsetLine, readSynsets, readWordNet, splitGloss, type ReadWordNetOptions, type Synset, type SynsetType, type WordNetPos } from './data/wordnet.js';
export { readLineChunks, readTextLines, type LineChunk, type ReadLinesOptions } from './data/text-lines.js';
