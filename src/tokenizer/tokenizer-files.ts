// Hugging Face's tokenizer files for BERT, read and written:
//   vocab.txt                one token per line (Google's format)
//   tokenizer.json           the fast tokenizer: BertNormalizer, BertPreTokenizer, WordPiece model,
//                            TemplateProcessing (or the older BertProcessing), WordPiece decoder, added tokens
//   tokenizer_config.json    do_lower_case, strip_accents, tokenize_chinese_chars, model_max_length,
//                            special tokens, tokenizer_class
//   special_tokens_map.json  the special tokens by role
// Every malformed field is reported as `file: field: what is wrong`.

import { existsSync, mkdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { writeFileAtomic } from '../io/atomic-write.js';
import { readJsonFile } from '../io/json-file.js';
import { addedToken, parseAddedTokens, type AddedToken } from './added-tokens.js';
import { BERT_DECODER, type WordPieceDecoderOptions } from './decoder.js';
import { TemplateProcessing, type TemplatePiece, type TemplateSpecialToken } from './post-processor.js';
import type { Side } from './truncation.js';
import { Vocab } from './vocab.js';

/** transformers' VERY_LARGE_INTEGER, int(1e30): a model_max_length of "no limit". */
export const VERY_LARGE_INTEGER = 1e30;
/** transformers' LARGE_INTEGER: lengths above it mean "unset". */
export const LARGE_INTEGER = 1e20;

export interface BertTokenizerConfig {
  doLowerCase: boolean;
  /** null: strip accents exactly when lowercasing (HF's default). */
  stripAccents: boolean | null;
  tokenizeChineseChars: boolean;
  /** BertNormalizer's clean_text: drop control characters, map whitespace to spaces. */
  cleanText: boolean;
  /** Longest input the model accepts; VERY_LARGE_INTEGER when the files set none. */
  modelMaxLength: number;
  unkToken: string;
  sepToken: string;
  padToken: string;
  clsToken: string;
  maskToken: string;
  paddingSide: Side;
  truncationSide: Side;
  /** Remove spaces before punctuation and contractions when decoding. */
  cleanUpTokenizationSpaces: boolean;
  continuingSubwordPrefix: string;
  maxInputCharsPerWord: number;
}

/** BertTokenizer's defaults, which also apply to a bare vocab.txt. */
export const DEFAULT_BERT_CONFIG: Readonly<BertTokenizerConfig> = Object.freeze({
  doLowerCase: true,
  stripAccents: null,
  tokenizeChineseChars: true,
  cleanText: true,
  modelMaxLength: VERY_LARGE_INTEGER,
  unkToken: '[UNK]',
  sepToken: '[SEP]',
  padToken: '[PAD]',
  clsToken: '[CLS]',
  maskToken: '[MASK]',
  paddingSide: 'right',
  truncationSide: 'right',
  cleanUpTokenizationSpaces: true,
  continuingSubwordPrefix: '##',
  maxInputCharsPerWord: 100,
});

/** Everything a BERT tokenizer is made of, as the files describe it. */
export interface TokenizerDefinition {
  vocab: Vocab;
  config: BertTokenizerConfig;
  /** Tokens matched whole in the text before WordPiece (HF `added_tokens`); always includes the special tokens. */
  addedTokens: PlacedAddedToken[];
  /** The post-processor from tokenizer.json; null: BERT's template built from the config's [CLS]/[SEP]. */
  template: TemplateProcessing | null;
  decoder: WordPieceDecoderOptions;
}

const SPECIAL_TOKEN_ROLES = ['unkToken', 'sepToken', 'padToken', 'clsToken', 'maskToken'] as const;
type SpecialTokenRole = (typeof SPECIAL_TOKEN_ROLES)[number];
const HF_ROLE_NAMES: Record<SpecialTokenRole, string> = {
  unkToken: 'unk_token',
  sepToken: 'sep_token',
  padToken: 'pad_token',
  clsToken: 'cls_token',
  maskToken: 'mask_token',
};

/**
 * Reads a tokenizer from `path`: a vocab.txt, a tokenizer.json, or a directory holding
 * tokenizer.json (preferred) or vocab.txt, with tokenizer_config.json and special_tokens_map.json
 * when present. Settings of tokenizer_config.json win over tokenizer.json's normalizer, as in
 * BertTokenizerFast; what no file sets takes BertTokenizer's default.
 */
export function readTokenizerFiles(path: string): TokenizerDefinition {
  let stats;
  try {
    stats = statSync(path);
  } catch {
    throw new Error(`${path}: no such file or directory (expected a vocab.txt, a tokenizer.json or a model directory)`);
  }
  if (!stats.isDirectory()) {
    if (basename(path).toLowerCase().endsWith('.json')) return fromTokenizerJson(path, {}, new Map());
    const vocab = Vocab.fromFile(path);
    return withSpecialTokens({ vocab, config: { ...DEFAULT_BERT_CONFIG }, addedTokens: [], template: null, decoder: BERT_DECODER });
  }
  const file = (name: string) => join(path, name);
  const specialTokensMap = existsSync(file('special_tokens_map.json'))
    ? readSpecialTokensMap(file('special_tokens_map.json'))
    : {};
  const configFile = existsSync(file('tokenizer_config.json')) ? readTokenizerConfig(file('tokenizer_config.json')) : null;
  const settings = { ...specialTokensMap, ...configFile?.settings };
  if (existsSync(file('tokenizer.json'))) {
    return fromTokenizerJson(file('tokenizer.json'), settings, configFile?.addedTokens ?? new Map());
  }
  if (!existsSync(file('vocab.txt'))) throw new Error(`${path}: the directory has neither tokenizer.json nor vocab.txt`);
  const placed = placeAddedTokens(
    [...(configFile?.addedTokens.values() ?? [])],
    Vocab.fromFile(file('vocab.txt')),
    `${file('tokenizer_config.json')}: added_tokens_decoder`,
  );
  return withSpecialTokens({
    ...placed,
    config: { ...DEFAULT_BERT_CONFIG, ...settings },
    template: null,
    decoder: BERT_DECODER,
  });
}

/** Writes vocab.txt, tokenizer.json, tokenizer_config.json and special_tokens_map.json into `dir` (created if missing). */
export function writeTokenizerFiles(dir: string, definition: TokenizerDefinition): void {
  mkdirSync(dir, { recursive: true });
  const { vocab, config } = definition;
  const write = (name: string, text: string) => writeFileAtomic(join(dir, name), Buffer.from(text, 'utf8'));
  write('vocab.txt', vocab.toText());
  write('tokenizer.json', tokenizerJsonText(definition));
  write('tokenizer_config.json', `${tokenizerConfigJsonText(definition)}\n`);
  const specialTokensMap: Record<string, string> = {};
  for (const role of [...SPECIAL_TOKEN_ROLES].sort((a, b) => HF_ROLE_NAMES[a].localeCompare(HF_ROLE_NAMES[b]))) {
    specialTokensMap[HF_ROLE_NAMES[role]] = config[role];
  }
  write('special_tokens_map.json', `${JSON.stringify(specialTokensMap, null, 2)}\n`);
}

// ---------------------------------------------------------------------------------------------
// Reading

type Settings = Partial<BertTokenizerConfig>;

/** A JSON object and the dotted path that names it in errors. */
class Field {
  constructor(
    readonly file: string,
    readonly path: string,
    readonly value: unknown,
  ) {}

  error(message: string): Error {
    return new Error(`${this.file}: ${this.path === '' ? '' : `${this.path} `}${message}`);
  }

  child(key: string | number): Field {
    if (typeof key === 'number') return new Field(this.file, `${this.path}[${key}]`, (this.value as unknown[])[key]);
    return new Field(this.file, this.path === '' ? key : `${this.path}.${key}`, this.object()[key]);
  }

  has(key: string): boolean {
    return Object.hasOwn(this.object(), key) && this.object()[key] !== undefined;
  }

  isNull(): boolean {
    return this.value === null || this.value === undefined;
  }

  object(): Record<string, unknown> {
    if (typeof this.value !== 'object' || this.value === null || Array.isArray(this.value)) {
      throw this.error(`must be an object, got ${describe(this.value)}`);
    }
    return this.value as Record<string, unknown>;
  }

  array(): Field[] {
    if (!Array.isArray(this.value)) throw this.error(`must be an array, got ${describe(this.value)}`);
    return this.value.map((_, i) => this.child(i));
  }

  string(): string {
    if (typeof this.value !== 'string') throw this.error(`must be a string, got ${describe(this.value)}`);
    return this.value;
  }

  boolean(): boolean {
    if (typeof this.value !== 'boolean') throw this.error(`must be true or false, got ${describe(this.value)}`);
    return this.value;
  }

  nullableBoolean(): boolean | null {
    return this.isNull() ? null : this.boolean();
  }

  integer(minimum = 0): number {
    if (typeof this.value !== 'number' || !Number.isInteger(this.value) || this.value < minimum) {
      throw this.error(`must be an integer >= ${minimum}, got ${describe(this.value)}`);
    }
    return this.value;
  }

  side(): Side {
    if (this.value !== 'left' && this.value !== 'right') throw this.error(`must be "left" or "right", got ${describe(this.value)}`);
    return this.value;
  }

  /** A token given as a string or as an AddedToken object ({"content": ...}). */
  tokenContent(): string {
    if (typeof this.value === 'object' && this.value !== null && !Array.isArray(this.value)) return this.child('content').string();
    return this.string();
  }
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing (the field is missing)';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  const text = JSON.stringify(value);
  return `${typeof value} ${text.length > 40 ? `${text.slice(0, 40)}…` : text}`;
}

function rootField(path: string): Field {
  const field = new Field(path, '', readJsonFile(path));
  field.object();
  return field;
}

function readSpecialTokensMap(path: string): Settings {
  const root = rootField(path);
  const settings: Settings = {};
  for (const role of SPECIAL_TOKEN_ROLES) {
    if (root.has(HF_ROLE_NAMES[role])) settings[role] = root.child(HF_ROLE_NAMES[role]).tokenContent();
  }
  return settings;
}

function readTokenizerConfig(path: string): { settings: Settings; addedTokens: Map<number, AddedToken> } {
  const root = rootField(path);
  const settings: Settings = {};
  if (root.has('do_lower_case')) settings.doLowerCase = root.child('do_lower_case').boolean();
  if (root.has('strip_accents')) settings.stripAccents = root.child('strip_accents').nullableBoolean();
  if (root.has('tokenize_chinese_chars')) settings.tokenizeChineseChars = root.child('tokenize_chinese_chars').boolean();
  if (root.has('model_max_length') && !root.child('model_max_length').isNull()) {
    settings.modelMaxLength = root.child('model_max_length').integer(1);
  }
  if (root.has('padding_side')) settings.paddingSide = root.child('padding_side').side();
  if (root.has('truncation_side')) settings.truncationSide = root.child('truncation_side').side();
  if (root.has('clean_up_tokenization_spaces')) {
    settings.cleanUpTokenizationSpaces = root.child('clean_up_tokenization_spaces').boolean();
  }
  for (const role of SPECIAL_TOKEN_ROLES) {
    const field = root.child(HF_ROLE_NAMES[role]);
    if (!field.isNull()) settings[role] = field.tokenContent();
  }
  const addedTokens = new Map<number, AddedToken>();
  if (root.has('added_tokens_decoder')) {
    const decoder = root.child('added_tokens_decoder');
    for (const key of Object.keys(decoder.object())) {
      const entry = decoder.child(key);
      if (!/^(0|[1-9]\d*)$/.test(key)) throw entry.error('must be keyed by a token id');
      addedTokens.set(Number(key), readAddedToken(entry, Number(key)));
    }
  }
  return { settings, addedTokens };
}

function readAddedToken(field: Field, id: number): AddedToken {
  const flags: Partial<Omit<AddedToken, 'content'>> = { id };
  for (const [name, key] of [['special', 'special'], ['single_word', 'singleWord'], ['lstrip', 'lstrip'], ['rstrip', 'rstrip'], ['normalized', 'normalized']] as const) {
    if (field.has(name)) flags[key] = field.child(name).boolean();
  }
  return addedToken(field.child('content').string(), flags);
}

function fromTokenizerJson(path: string, settings: Settings, configAddedTokens: Map<number, AddedToken>): TokenizerDefinition {
  const root = rootField(path);
  const model = root.child('model');
  model.object();
  if (model.has('type') && model.child('type').string() !== 'WordPiece') {
    throw model.child('type').error(`is ${JSON.stringify(model.child('type').value)}; bertkit reads WordPiece (BERT) tokenizers only`);
  }
  const vocab = readVocabObject(model.child('vocab'), path);
  const fileSettings: Settings = {};
  if (model.has('unk_token')) fileSettings.unkToken = model.child('unk_token').string();
  if (model.has('continuing_subword_prefix')) fileSettings.continuingSubwordPrefix = model.child('continuing_subword_prefix').string();
  if (model.has('max_input_chars_per_word')) fileSettings.maxInputCharsPerWord = model.child('max_input_chars_per_word').integer(1);

  const normalizer = root.child('normalizer');
  if (!normalizer.isNull()) {
    const type = normalizer.child('type').string();
    if (type !== 'BertNormalizer') throw normalizer.child('type').error(`is "${type}"; bertkit reads BertNormalizer only`);
    const option = (name: string) => normalizer.has(name) ? normalizer.child(name).boolean() : true;
    fileSettings.cleanText = option('clean_text');
    fileSettings.tokenizeChineseChars = option('handle_chinese_chars');
    fileSettings.doLowerCase = option('lowercase');
    fileSettings.stripAccents = normalizer.has('strip_accents') ? normalizer.child('strip_accents').nullableBoolean() : null;
  }
  const preTokenizer = root.child('pre_tokenizer');
  if (!preTokenizer.isNull() && preTokenizer.child('type').string() !== 'BertPreTokenizer') {
    throw preTokenizer.child('type').error(`is "${preTokenizer.child('type').value}"; bertkit reads BertPreTokenizer only`);
  }

  const where = root.has('added_tokens') ? `${path}: added_tokens` : `tokenizer_config.json: added_tokens_decoder`;
  const { vocab: vocabWithAdded, addedTokens } = placeAddedTokens(
    root.has('added_tokens') ? parseAddedTokens(root.child('added_tokens').value, path) : [...configAddedTokens.values()],
    vocab,
    where,
  );

  const config: BertTokenizerConfig = { ...DEFAULT_BERT_CONFIG, ...fileSettings, ...settings };
  const template = readPostProcessor(root.child('post_processor'), vocabWithAdded);
  const decoderField = root.child('decoder');
  let decoder: WordPieceDecoderOptions = { prefix: config.continuingSubwordPrefix, cleanup: true };
  if (!decoderField.isNull()) {
    const type = decoderField.child('type').string();
    if (type !== 'WordPiece') throw decoderField.child('type').error(`is "${type}"; bertkit reads the WordPiece decoder only`);
    decoder = {
      prefix: decoderField.has('prefix') ? decoderField.child('prefix').string() : '##',
      cleanup: decoderField.has('cleanup') ? decoderField.child('cleanup').boolean() : true,
    };
  }
  return withSpecialTokens({ vocab: vocabWithAdded, config, addedTokens, template, decoder });
}

/** `model.vocab`: an object of token → id, the ids exactly 0..N-1. */
function readVocabObject(field: Field, path: string): Vocab {
  const shape = 'must be an object of token → id';
  if (typeof field.value !== 'object' || field.value === null || Array.isArray(field.value)) {
    throw field.error(`${shape}, got ${describe(field.value)}`);
  }
  const entries = Object.entries(field.value as Record<string, unknown>);
  if (entries.length === 0) throw field.error('is empty: the vocabulary needs at least one token');
  const tokens = new Array<string | undefined>(entries.length);
  for (const [token, id] of entries) {
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0) {
      throw field.error(`${shape}; ${JSON.stringify(token)} has ${describe(id)}`);
    }
    if (id >= entries.length) {
      throw field.error(`ids must run from 0 to ${entries.length - 1} without gaps; ${JSON.stringify(token)} has id ${id}`);
    }
    const other = tokens[id];
    if (other !== undefined) throw field.error(`gives id ${id} to both ${JSON.stringify(other)} and ${JSON.stringify(token)}`);
    tokens[id] = token;
  }
  return Vocab.fromTokens(tokens as string[], `${path}: model.vocab`);
}

/** An added token whose id is known (resolved from the vocabulary where the file gave none). */
export type PlacedAddedToken = AddedToken & { id: number };

/**
 * Gives every added token its id and checks it against the vocabulary: an id inside it must name
 * the same token; tokens past its end (added to a pretrained vocabulary) extend it, in id order
 * without gaps; a token with no id takes its vocabulary id, or the next free one.
 */
function placeAddedTokens(addedTokens: AddedToken[], vocab: Vocab, where: string): { vocab: Vocab; addedTokens: PlacedAddedToken[] } {
  const extra: string[] = [];
  const placed = [...addedTokens]
    .sort((a, b) => (a.id ?? Infinity) - (b.id ?? Infinity))
    .map((token): PlacedAddedToken => {
      const id = token.id ?? vocab.id(token.content);
      if (id !== undefined && id < vocab.size) {
        if (vocab.tokens[id] !== token.content) {
          throw new Error(
            `${where}: ${JSON.stringify(token.content)} has id ${id}, which the vocabulary gives to ${JSON.stringify(vocab.tokens[id])}`,
          );
        }
        return { ...token, id };
      }
      if (id !== undefined && id !== vocab.size + extra.length) {
        throw new Error(
          `${where}: ${JSON.stringify(token.content)} has id ${id}, but the vocabulary's next free id is ${vocab.size + extra.length}`,
        );
      }
      extra.push(token.content);
      return { ...token, id: vocab.size + extra.length - 1 };
    });
  return { vocab: extra.length === 0 ? vocab : Vocab.fromTokens([...vocab.tokens, ...extra], vocab.source), addedTokens: placed };
}

function readPostProcessor(field: Field, vocab: Vocab): TemplateProcessing | null {
  if (field.isNull()) return null;
  const type = field.child('type').string();
  const wrap = (build: () => TemplateProcessing) => {
    try {
      return build();
    } catch (error) {
      throw field.error(`is invalid: ${(error as Error).message}`);
    }
  };
  if (type === 'BertProcessing') {
    const pair = (name: string) => {
      const items = field.child(name).array();
      if (items.length !== 2) throw field.child(name).error('must be [token, id]');
      return { token: items[0]!.string(), id: items[1]!.integer() };
    };
    return wrap(() => TemplateProcessing.bert(pair('cls'), pair('sep')));
  }
  if (type !== 'TemplateProcessing') throw field.child('type').error(`is "${type}"; bertkit reads TemplateProcessing and BertProcessing only`);
  const template = (name: string): TemplatePiece[] =>
    field.child(name).array().map((piece) => {
      piece.object();
      if (piece.has('SpecialToken')) {
        const special = piece.child('SpecialToken');
        return { kind: 'special', id: special.child('id').string(), typeId: special.child('type_id').integer() };
      }
      if (piece.has('Sequence')) {
        const sequence = piece.child('Sequence');
        const id = sequence.child('id').string();
        if (id !== 'A' && id !== 'B') throw sequence.child('id').error(`must be "A" or "B", got ${JSON.stringify(id)}`);
        return { kind: 'sequence', sequence: id, typeId: sequence.child('type_id').integer() };
      }
      throw piece.error('must be {"SpecialToken": …} or {"Sequence": …}');
    });
  const specialTokens = new Map<string, TemplateSpecialToken>();
  const specials = field.child('special_tokens');
  for (const key of Object.keys(specials.object())) {
    const entry = specials.child(key);
    const ids = entry.child('ids').array().map((id) => id.integer());
    const tokens = entry.child('tokens').array().map((token) => token.string());
    ids.forEach((id, i) => {
      if (id >= vocab.size) throw entry.child('ids').error(`has id ${id}, past the end of the vocabulary (${vocab.size} tokens)`);
      if (tokens[i] !== undefined && vocab.tokens[id] !== tokens[i]) {
        throw entry.error(`maps ${JSON.stringify(tokens[i])} to id ${id}, which the vocabulary gives to ${JSON.stringify(vocab.tokens[id])}`);
      }
    });
    specialTokens.set(key, { id: entry.child('id').string(), ids, tokens });
  }
  return wrap(() => new TemplateProcessing(template('single'), template('pair'), specialTokens));
}

/** Ensures the five special tokens are added tokens (never split, skipped by decode), as BertTokenizer does. */
export function withSpecialTokens(definition: TokenizerDefinition): TokenizerDefinition {
  const present = new Set(definition.addedTokens.map((token) => token.content));
  const addedTokens = [...definition.addedTokens];
  for (const role of SPECIAL_TOKEN_ROLES) {
    const content = definition.config[role];
    if (present.has(content)) continue;
    const id = definition.vocab.id(content);
    if (id === undefined) continue; // A missing [UNK] is reported by the tokenizer, which needs it.
    addedTokens.push({ id, content, singleWord: false, lstrip: false, rstrip: false, normalized: false, special: true });
    present.add(content);
  }
  addedTokens.sort((a, b) => a.id - b.id);
  return { ...definition, addedTokens };
}

// ---------------------------------------------------------------------------------------------
// Writing

const VERY_LARGE_INTEGER_TEXT = '1000000000000000019884624838656';

function addedTokenJson(token: PlacedAddedToken, withId: boolean): Record<string, unknown> {
  return {
    ...(withId ? { id: token.id } : {}),
    content: token.content,
    single_word: token.singleWord,
    lstrip: token.lstrip,
    rstrip: token.rstrip,
    normalized: token.normalized,
    special: token.special,
  };
}

function templatePieceJson(piece: TemplatePiece): Record<string, unknown> {
  return piece.kind === 'special'
    ? { SpecialToken: { id: piece.id, type_id: piece.typeId } }
    : { Sequence: { id: piece.sequence, type_id: piece.typeId } };
}

/** tokenizer.json as the tokenizers library writes it (2-space indent, vocab in id order). */
function tokenizerJsonText(definition: TokenizerDefinition): string {
  const { vocab, config, decoder } = definition;
  const template = definition.template ?? TemplateProcessing.bert(
    { token: config.clsToken, id: vocab.requireId(config.clsToken, 'classifier token (cls_token)') },
    { token: config.sepToken, id: vocab.requireId(config.sepToken, 'separator token (sep_token)') },
  );
  const vocabPlaceholder = '\u0000vocab\u0000';
  const json = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: definition.addedTokens.map((token) => addedTokenJson(token, true)),
    normalizer: {
      type: 'BertNormalizer',
      clean_text: config.cleanText,
      handle_chinese_chars: config.tokenizeChineseChars,
      strip_accents: config.stripAccents,
      lowercase: config.doLowerCase,
    },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: template.single.map(templatePieceJson),
      pair: template.pair.map(templatePieceJson),
      special_tokens: Object.fromEntries([...template.specialTokens].map(([key, special]) => [key, special])),
    },
    decoder: { type: 'WordPiece', prefix: decoder.prefix, cleanup: decoder.cleanup },
    model: {
      type: 'WordPiece',
      unk_token: config.unkToken,
      continuing_subword_prefix: config.continuingSubwordPrefix,
      max_input_chars_per_word: config.maxInputCharsPerWord,
      vocab: vocabPlaceholder,
    },
  };
  // Token → id pairs in id order: an object built in JavaScript would put numeric tokens ("0", "1") first.
  const vocabText = `{\n${vocab.tokens.map((token, id) => `      ${JSON.stringify(token)}: ${id}`).join(',\n')}\n    }`;
  return JSON.stringify(json, null, 2).replace(JSON.stringify(vocabPlaceholder), () => vocabText);
}

/** tokenizer_config.json as transformers writes it for BertTokenizer (sorted keys, 2-space indent). */
function tokenizerConfigJsonText(definition: TokenizerDefinition): string {
  const { config } = definition;
  const unset = config.modelMaxLength >= LARGE_INTEGER;
  const maxLengthPlaceholder = '\u0000model_max_length\u0000';
  const json: Record<string, unknown> = {
    added_tokens_decoder: Object.fromEntries(definition.addedTokens.map((token) => [String(token.id), addedTokenJson(token, false)])),
    clean_up_tokenization_spaces: config.cleanUpTokenizationSpaces,
    cls_token: config.clsToken,
    do_basic_tokenize: true,
    do_lower_case: config.doLowerCase,
    mask_token: config.maskToken,
    model_max_length: unset ? maxLengthPlaceholder : config.modelMaxLength,
    never_split: null,
    pad_token: config.padToken,
    padding_side: config.paddingSide,
    sep_token: config.sepToken,
    strip_accents: config.stripAccents,
    tokenize_chinese_chars: config.tokenizeChineseChars,
    tokenizer_class: 'BertTokenizer',
    truncation_side: config.truncationSide,
    unk_token: config.unkToken,
  };
  // int(1e30) is written as Python writes it; JSON.stringify would give 1e+30.
  return JSON.stringify(json, null, 2).replace(JSON.stringify(maxLengthPlaceholder), VERY_LARGE_INTEGER_TEXT);
}
