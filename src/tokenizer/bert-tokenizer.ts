// The user-facing BERT tokenizer: Hugging Face BertTokenizerFast's behaviour on HF's files.
//   text (, pair) → TextTokenizer (added tokens, normalizer, pre-tokenizer, WordPiece)
//   → truncation (windows) → TemplateProcessing ([CLS] A [SEP] B [SEP]) → padding → Encoding
// Offsets are UTF-16 code-unit indices into the original text of each sequence: see encoding.ts.

import { BERT_DECODER, cleanUpTokenization, decodeWordPieces, type WordPieceDecoderOptions } from './decoder.js';
import type { Encoding, SequenceTokens } from './encoding.js';
import { padBatch, type PaddingParams, type PaddingStrategy } from './padding.js';
import { TemplateProcessing } from './post-processor.js';
import { TextTokenizer } from './text-tokenizer.js';
import {
  DEFAULT_BERT_CONFIG,
  LARGE_INTEGER,
  readTokenizerFiles,
  withSpecialTokens,
  writeTokenizerFiles,
  type BertTokenizerConfig,
  type PlacedAddedToken,
  type TokenizerDefinition,
} from './tokenizer-files.js';
import { truncateSequences, TRUNCATION_STRATEGIES, type Side, type TruncationParams, type TruncationStrategy } from './truncation.js';
import type { Vocab } from './vocab.js';

export type { BertTokenizerConfig } from './tokenizer-files.js';

export interface EncodeOptions {
  /** Add [CLS] and [SEP] (default true). */
  addSpecialTokens?: boolean;
  /** true = 'longest_first'. Default: off, unless `maxLength` is given without padding (as transformers does). */
  truncation?: boolean | TruncationStrategy;
  /** Length limit for truncation and for 'max_length' padding, special tokens included (default: the model's maximum length). */
  maxLength?: number;
  /** Tokens each overflow window repeats from the previous one (default 0). */
  stride?: number;
  /** Keep the windows that truncation cut off in `overflowing` (default false). */
  returnOverflowing?: boolean;
  /** true = 'longest': to the longest encoding of the batch (a single encode: no padding). Default false. */
  padding?: boolean | PaddingStrategy;
  padToMultipleOf?: number;
  /** Default: the config's paddingSide / truncationSide. */
  paddingSide?: Side;
  truncationSide?: Side;
}

export interface DecodeOptions {
  /** Drop special tokens ([CLS], [SEP], [PAD], [MASK], [UNK]) (default false). */
  skipSpecialTokens?: boolean;
  /** Remove spaces before punctuation and contractions (default: the config's cleanUpTokenizationSpaces, true). */
  cleanUpTokenizationSpaces?: boolean;
}

/** One input of `encodeBatch`: a text, or a pair of texts. */
export type BatchInput = string | readonly [string, string];

interface EncodePlan {
  addSpecialTokens: boolean;
  /** maxLength here counts the special tokens; the budget for the texts is derived per input. */
  truncation: TruncationParams | null;
  returnOverflowing: boolean;
  padding: PaddingParams | null;
}

export class BertTokenizer {
  readonly vocab: Vocab;
  readonly config: Readonly<BertTokenizerConfig>;
  /** Tokens matched whole before WordPiece, with their HF flags; the special tokens among them. */
  readonly addedTokens: readonly PlacedAddedToken[];
  readonly postProcessor: TemplateProcessing;
  private readonly textTokenizer: TextTokenizer;
  private readonly decoder: WordPieceDecoderOptions;
  private readonly specialIds: ReadonlySet<number>;
  private readonly padId: number | undefined;

  private constructor(definition: TokenizerDefinition) {
    const { vocab, config } = definition;
    this.vocab = vocab;
    this.config = Object.freeze({ ...config });
    this.addedTokens = definition.addedTokens;
    this.textTokenizer = new TextTokenizer(
      vocab,
      {
        cleanText: config.cleanText,
        handleChineseChars: config.tokenizeChineseChars,
        stripAccents: config.stripAccents,
        lowercase: config.doLowerCase,
        unkToken: config.unkToken,
        continuingSubwordPrefix: config.continuingSubwordPrefix,
        maxInputCharsPerWord: config.maxInputCharsPerWord,
      },
      definition.addedTokens,
    );
    this.postProcessor = definition.template ?? TemplateProcessing.bert(
      { token: config.clsToken, id: vocab.requireId(config.clsToken, 'classifier token (cls_token)') },
      { token: config.sepToken, id: vocab.requireId(config.sepToken, 'separator token (sep_token)') },
    );
    this.decoder = definition.decoder;
    this.specialIds = new Set(definition.addedTokens.filter((token) => token.special).map((token) => token.id));
    this.padId = vocab.id(config.padToken);
  }

  /**
   * Loads a tokenizer from a vocab.txt, a tokenizer.json, or a model directory (tokenizer.json
   * preferred, else vocab.txt; with tokenizer_config.json and special_tokens_map.json when present).
   * `overrides` win over the files (e.g. `{ doLowerCase: false }`).
   */
  static fromPretrained(path: string, overrides: Partial<BertTokenizerConfig> = {}): BertTokenizer {
    const definition = readTokenizerFiles(path);
    const config = { ...definition.config, ...withoutUndefined(overrides) };
    // A template read from tokenizer.json names the file's [CLS]/[SEP]; other ones need BERT's template anew.
    const sameTemplateTokens = config.clsToken === definition.config.clsToken && config.sepToken === definition.config.sepToken;
    return new BertTokenizer(
      withSpecialTokens({ ...definition, config, template: sameTemplateTokens ? definition.template : null }),
    );
  }

  /** A tokenizer over `vocab` with BertTokenizer's defaults (lowercasing) unless `config` says otherwise. */
  static fromVocab(vocab: Vocab, config: Partial<BertTokenizerConfig> = {}): BertTokenizer {
    const fullConfig = { ...DEFAULT_BERT_CONFIG, ...withoutUndefined(config) };
    return new BertTokenizer(
      withSpecialTokens({
        vocab,
        config: fullConfig,
        addedTokens: [],
        template: null,
        decoder: { ...BERT_DECODER, prefix: fullConfig.continuingSubwordPrefix },
      }),
    );
  }

  /** WordPiece tokens of `text`, without special tokens. */
  tokenize(text: string): string[] {
    return this.textTokenizer.tokenize(text).tokens;
  }

  /** Encodes a text, or a pair of texts (`[CLS] text [SEP] pair [SEP]`); an empty pair counts as none, as in transformers. */
  encode(text: string, pair?: string | null, options: EncodeOptions = {}): Encoding {
    const plan = this.plan(options);
    const encoding = this.encodeOne(text, pair ?? null, plan);
    return plan.padding === null ? encoding : padBatch([encoding], plan.padding)[0]!;
  }

  /** Encodes texts and pairs; 'longest' padding pads to the longest of the batch. */
  encodeBatch(inputs: readonly BatchInput[], options: EncodeOptions = {}): Encoding[] {
    const plan = this.plan(options);
    const encodings = inputs.map((input, index) => {
      if (typeof input === 'string') return this.encodeOne(input, null, plan);
      if (!Array.isArray(input) || input.length !== 2 || typeof input[0] !== 'string' || typeof input[1] !== 'string') {
        throw new Error(`encodeBatch: input ${index} must be a string or a pair [string, string]`);
      }
      return this.encodeOne(input[0], input[1], plan);
    });
    return plan.padding === null ? encodings : padBatch(encodings, plan.padding);
  }

  /** Text from ids: `##` pieces glued to their word, HF's clean-up of spaces before punctuation. */
  decode(ids: readonly number[], options: DecodeOptions = {}): string {
    const tokens: string[] = [];
    ids.forEach((id, position) => {
      if (!Number.isInteger(id) || id < 0 || id >= this.vocab.size) {
        throw new Error(`decode: id ${id} at position ${position} is not a token id (the vocabulary has ${this.vocab.size} tokens)`);
      }
      if (options.skipSpecialTokens && this.specialIds.has(id)) return;
      tokens.push(this.vocab.tokens[id]!);
    });
    const text = decodeWordPieces(tokens, this.decoder);
    return options.cleanUpTokenizationSpaces ?? this.config.cleanUpTokenizationSpaces ? cleanUpTokenization(text) : text;
  }

  /** Writes vocab.txt, tokenizer.json, tokenizer_config.json and special_tokens_map.json (Hugging Face layout). */
  save(dir: string): void {
    writeTokenizerFiles(dir, {
      vocab: this.vocab,
      config: { ...this.config },
      addedTokens: [...this.addedTokens],
      template: this.postProcessor,
      decoder: this.decoder,
    });
  }

  /** Vocabulary id of a token ([CLS], [MASK], …); undefined when absent. */
  tokenToId(token: string): number | undefined {
    return this.vocab.id(token);
  }

  private encodeOne(text: string, pair: string | null, plan: EncodePlan): Encoding {
    if (typeof text !== 'string') throw new TypeError(`the text to encode must be a string, got ${typeof text}`);
    if (pair !== null && typeof pair !== 'string') throw new TypeError(`the pair text must be a string, got ${typeof pair}`);
    const first: SequenceTokens = this.textTokenizer.tokenize(text);
    const second: SequenceTokens | null = pair === null || pair === '' ? null : this.textTokenizer.tokenize(pair);
    const process = (a: SequenceTokens, b: SequenceTokens | null) => this.postProcessor.process(a, b, plan.addSpecialTokens);
    if (plan.truncation === null) return process(first, second);

    const added = plan.addSpecialTokens ? this.postProcessor.addedTokens(second !== null) : 0;
    const budget = plan.truncation.maxLength - added;
    if (budget < 0) {
      throw new Error(`maxLength ${plan.truncation.maxLength} leaves no room: the template adds ${added} special tokens`);
    }
    const windows = truncateSequences(first, second, { ...plan.truncation, maxLength: budget });
    const main = process(windows.first[0]!, windows.second?.[0] ?? null);
    if (!plan.returnOverflowing) return main;
    // Hugging Face's order: each further window of the first text with every window of the
    // second, then the first text's kept window with each further window of the second.
    const secondWindows = windows.second ?? [null];
    for (const firstWindow of windows.first.slice(1)) {
      for (const secondWindow of secondWindows) main.overflowing.push(process(firstWindow, secondWindow));
    }
    for (const secondWindow of secondWindows.slice(1)) main.overflowing.push(process(windows.first[0]!, secondWindow));
    return main;
  }

  /** Resolves options as transformers' `_get_padding_truncation_strategies` does. */
  private plan(options: EncodeOptions): EncodePlan {
    const { maxLength, stride = 0, padToMultipleOf } = options;
    if (maxLength !== undefined && !(Number.isInteger(maxLength) && maxLength >= 0)) {
      throw new Error(`maxLength must be a non-negative integer, got ${maxLength}`);
    }
    if (!(Number.isInteger(stride) && stride >= 0)) throw new Error(`stride must be a non-negative integer, got ${stride}`);
    if (padToMultipleOf !== undefined && !(Number.isInteger(padToMultipleOf) && padToMultipleOf > 0)) {
      throw new Error(`padToMultipleOf must be a positive integer, got ${padToMultipleOf}`);
    }
    const paddingOption = options.padding ?? false;
    const paddingStrategy: PaddingStrategy | null =
      paddingOption === false ? null : paddingOption === true ? 'longest' : paddingOption;
    if (paddingStrategy !== null && paddingStrategy !== 'longest' && paddingStrategy !== 'max_length') {
      throw new Error(`padding must be false, true, 'longest' or 'max_length', got ${JSON.stringify(paddingOption)}`);
    }
    let truncationOption = options.truncation;
    if (truncationOption === undefined) truncationOption = maxLength !== undefined && paddingStrategy === null;
    const strategy: TruncationStrategy | null =
      truncationOption === false ? null : truncationOption === true ? 'longest_first' : truncationOption;
    if (strategy !== null && !TRUNCATION_STRATEGIES.includes(strategy)) {
      throw new Error(`truncation must be true, false or one of ${TRUNCATION_STRATEGIES.join(', ')}, got ${JSON.stringify(strategy)}`);
    }
    const modelMaxLength = this.config.modelMaxLength < LARGE_INTEGER ? this.config.modelMaxLength : undefined;
    const limit = (what: string): number => {
      const length = maxLength ?? modelMaxLength;
      if (length === undefined) {
        throw new Error(`${what} needs maxLength: this tokenizer's files set no model_max_length`);
      }
      return length;
    };
    const truncation = strategy === null ? null : {
      maxLength: limit(`truncation '${strategy}'`),
      strategy,
      stride,
      direction: options.truncationSide ?? this.config.truncationSide,
    };
    let padding: PaddingParams | null = null;
    if (paddingStrategy !== null) {
      if (this.padId === undefined) {
        throw new Error(`padding needs the pad token ${JSON.stringify(this.config.padToken)}, which is not in ${this.vocab.source}`);
      }
      const padLength = paddingStrategy === 'max_length' ? limit("padding 'max_length'") : undefined;
      if (truncation !== null && padToMultipleOf !== undefined && truncation.maxLength % padToMultipleOf !== 0) {
        throw new Error(
          `truncation and padding are both on, but maxLength ${truncation.maxLength} is not a multiple of padToMultipleOf ${padToMultipleOf}`,
        );
      }
      padding = {
        strategy: paddingStrategy,
        ...(padLength === undefined ? {} : { maxLength: padLength }),
        ...(padToMultipleOf === undefined ? {} : { padToMultipleOf }),
        direction: options.paddingSide ?? this.config.paddingSide,
        padId: this.padId,
        padTypeId: 0,
        padToken: this.config.padToken,
      };
    }
    return { addSpecialTokens: options.addSpecialTokens ?? true, truncation, returnOverflowing: options.returnOverflowing ?? false, padding };
  }
}

function withoutUndefined<T extends object>(values: T): Partial<T> {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined)) as Partial<T>;
}
