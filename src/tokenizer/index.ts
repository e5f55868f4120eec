// The tokenizer's public API.
export { BertTokenizer, type BatchInput, type BertTokenizerConfig, type DecodeOptions, type EncodeOptions } from './bert-tokenizer.js';
export type { Encoding, Offset } from './encoding.js';
export { DEFAULT_BERT_CONFIG, VERY_LARGE_INTEGER, readTokenizerFiles, writeTokenizerFiles, type TokenizerDefinition } from './tokenizer-files.js';
export { TemplateProcessing, type TemplatePiece, type TemplateSpecialToken } from './post-processor.js';
export { cleanUpTokenization, decodeWordPieces, type WordPieceDecoderOptions } from './decoder.js';
export type { PaddingStrategy } from './padding.js';
export type { Side, TruncationStrategy } from './truncation.js';
export { TextTokenizer, type TokenPieces, type TokenizeOptions } from './text-tokenizer.js';
export { Vocab } from './vocab.js';
export { addedToken, type AddedToken } from './added-tokens.js';
export { BERT_CASED, BERT_UNCASED, normalize, type NormalizerOptions } from './normalizer.js';
export { splitWords } from './pre-tokenizer.js';
export { BERT_SPECIAL_TOKENS, VocabularyTooSmallError, saveTrainedTokenizer, trainWordPiece, type SavedTokenizer, type TrainingProgress, type TrainingSource, type WordPieceTrainerOptions, type WordPieceTraining } from './trainer.js';
