// Hugging Face tokenizer files: bert-base-uncased's real files load with their settings; what
// bertkit saves matches HF's tokenizer.json, loads back identically, and loads in transformers.js
// with the same ids; Google's reference tokens for the cased vocab check that do_lower_case from
// tokenizer_config.json is honoured; malformed files fail naming the file and the field.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sharedPath, skipWithoutShared } from '../helpers/shared.js';
import { BertTokenizer } from '../../src/tokenizer/bert-tokenizer.js';
import { VERY_LARGE_INTEGER } from '../../src/tokenizer/tokenizer-files.js';
import { Vocab } from '../../src/tokenizer/vocab.js';
import { loadPeer, rtePairs, UNCASED_DIR } from './helpers/bert-tokenizer-peer.js';

const scratch = mkdtempSync(join(tmpdir(), 'bertkit-tokenizer-files-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
let dirCount = 0;
const freshDir = () => {
  const dir = join(scratch, `d${dirCount++}`);
  mkdirSync(dir);
  return dir;
};

const skipUncased = skipWithoutShared(UNCASED_DIR, 'tokenizer.json') || skipWithoutShared('data/rte/train.tsv');

interface GoogleReference {
  vocab: string;
  do_lower_case: boolean;
  text: string;
  tokens: string[];
  ids: number[];
}

function googleReference(vocab: string, lowercase: boolean): GoogleReference[] {
  return readFileSync(sharedPath('fixtures/tokenizer/google-reference.jsonl'), 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as GoogleReference)
    .filter((row) => row.vocab === vocab && row.do_lower_case === lowercase);
}

describe('bert-base-uncased files', { skip: skipUncased }, () => {
  test('load with the settings the files give', () => {
    const tokenizer = BertTokenizer.fromPretrained(sharedPath(UNCASED_DIR));
    assert.equal(tokenizer.vocab.size, 30522);
    assert.equal(tokenizer.config.modelMaxLength, 512);
    assert.equal(tokenizer.config.doLowerCase, true);
    assert.equal(tokenizer.config.stripAccents, null);
    assert.deepEqual(
      tokenizer.addedTokens.map((token) => [token.id, token.content, token.special, token.normalized]),
      [[0, '[PAD]', true, false], [100, '[UNK]', true, false], [101, '[CLS]', true, false], [102, '[SEP]', true, false], [103, '[MASK]', true, false]],
    );
  });

  test('the hub\'s minimal tokenizer_config.json ({"do_lower_case": true}) leaves model_max_length unset', async () => {
    const dir = freshDir();
    writeFileSync(join(dir, 'tokenizer.json'), readFileSync(sharedPath(UNCASED_DIR, 'tokenizer.json')));
    writeFileSync(join(dir, 'tokenizer_config.json'), readFileSync(sharedPath(UNCASED_DIR, 'tokenizer_config.hub_minimal.json')));
    const tokenizer = BertTokenizer.fromPretrained(dir);
    assert.equal(tokenizer.config.modelMaxLength, VERY_LARGE_INTEGER);
    const peer = await loadPeer(dir);
    for (const [first, second] of rtePairs(10)) assert.deepEqual(tokenizer.encode(first, second).ids, peer.encode(first, { text_pair: second }));
  });

  test("saved tokenizer.json equals HF's on every field HF writes for BERT", () => {
    const dir = freshDir();
    BertTokenizer.fromPretrained(sharedPath(UNCASED_DIR)).save(dir);
    const original = JSON.parse(readFileSync(sharedPath(UNCASED_DIR, 'tokenizer.json'), 'utf8'));
    const saved = JSON.parse(readFileSync(join(dir, 'tokenizer.json'), 'utf8'));
    for (const field of ['version', 'truncation', 'padding', 'added_tokens', 'normalizer', 'pre_tokenizer', 'post_processor', 'decoder']) {
      assert.deepEqual(saved[field], original[field], field);
    }
    assert.deepEqual(saved.model, { type: 'WordPiece', ...original.model });
    assert.equal(readFileSync(join(dir, 'vocab.txt'), 'utf8'), readFileSync(sharedPath(UNCASED_DIR, 'vocab.txt'), 'utf8'));
    const config = JSON.parse(readFileSync(join(dir, 'tokenizer_config.json'), 'utf8'));
    assert.equal(config.tokenizer_class, 'BertTokenizer');
    assert.equal(config.model_max_length, 512);
    assert.deepEqual(JSON.parse(readFileSync(join(dir, 'special_tokens_map.json'), 'utf8')), {
      cls_token: '[CLS]', mask_token: '[MASK]', pad_token: '[PAD]', sep_token: '[SEP]', unk_token: '[UNK]',
    });
  });

  test('saved files load back identically and in transformers.js with the same ids', async () => {
    const dir = freshDir();
    const original = BertTokenizer.fromPretrained(sharedPath(UNCASED_DIR));
    original.save(dir);
    const reloaded = BertTokenizer.fromPretrained(dir);
    assert.deepEqual(reloaded.config, original.config);
    assert.deepEqual(reloaded.vocab.tokens, original.vocab.tokens);
    assert.deepEqual(reloaded.addedTokens, original.addedTokens);
    const peer = await loadPeer(dir);
    assert.equal(peer.constructor.name, 'BertTokenizer', 'transformers.js picks the class from tokenizer_class');
    for (const [first, second] of rtePairs(60)) {
      const ids = original.encode(first, second).ids;
      assert.deepEqual(reloaded.encode(first, second), original.encode(first, second));
      assert.deepEqual(peer.encode(first, { text_pair: second }), ids, first);
    }
  });
});

describe('cased vocabulary with tokenizer_config.json', { skip: skipWithoutShared('data/vocab/bert-base-cased/vocab.txt') }, () => {
  test("do_lower_case false is honoured, Google's reference tokens are reproduced, and transformers.js agrees after save", async () => {
    const dir = freshDir();
    writeFileSync(join(dir, 'vocab.txt'), readFileSync(sharedPath('data/vocab/bert-base-cased/vocab.txt')));
    writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify({ do_lower_case: false, model_max_length: 512 }));
    const tokenizer = BertTokenizer.fromPretrained(dir);
    assert.equal(tokenizer.config.doLowerCase, false);
    // Google's tokenization.py allows 200 characters per word, HF (and bertkit's default) 100.
    const rows = googleReference('cased', false).filter((row) => !/\S{101}/u.test(row.text));
    assert.ok(rows.length > 50, `${rows.length} reference rows`);
    for (const row of rows) {
      assert.deepEqual(tokenizer.tokenize(row.text), row.tokens, row.text);
      assert.deepEqual(tokenizer.encode(row.text, undefined, { addSpecialTokens: false }).ids, row.ids, row.text);
    }
    const savedDir = freshDir();
    tokenizer.save(savedDir);
    const saved = JSON.parse(readFileSync(join(savedDir, 'tokenizer.json'), 'utf8'));
    assert.equal(saved.normalizer.lowercase, false);
    const peer = await loadPeer(savedDir);
    const texts = rows.map((row) => row.text).filter((text) => !/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\ufeff]/u.test(text));
    for (const text of texts.slice(0, 200)) {
      assert.deepEqual(peer.encode(text, { add_special_tokens: false }), tokenizer.encode(text, undefined, { addSpecialTokens: false }).ids, text);
    }
  });

  test('a bare vocab.txt lowercases by default, as BertTokenizer; the override keeps case', () => {
    const path = sharedPath('data/vocab/bert-base-cased/vocab.txt');
    assert.deepEqual(BertTokenizer.fromPretrained(path).tokenize('Hello World'), ['hello', 'world']);
    assert.deepEqual(BertTokenizer.fromPretrained(path, { doLowerCase: false }).tokenize('Hello World'), ['Hello', 'World']);
  });
});

describe('small tokenizers built in the test', () => {
  const tokens = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'hello', 'world', '##s', 'cafe', 'café', '!'];
  const saveSmall = (config = {}) => {
    const dir = freshDir();
    BertTokenizer.fromVocab(Vocab.fromTokens(tokens, 'test vocab'), config).save(dir);
    return dir;
  };
  const editJson = (path: string, edit: (json: Record<string, any>) => void) => {
    const json = JSON.parse(readFileSync(path, 'utf8'));
    edit(json);
    writeFileSync(path, JSON.stringify(json, null, 2));
  };

  test('an unset model_max_length is written as int(1e30), as transformers writes it, and reads back as unset', () => {
    const dir = saveSmall();
    assert.match(readFileSync(join(dir, 'tokenizer_config.json'), 'utf8'), /"model_max_length": 1000000000000000019884624838656,/);
    assert.equal(BertTokenizer.fromPretrained(dir).config.modelMaxLength, VERY_LARGE_INTEGER);
  });

  test('tokenizer_config.json wins over the tokenizer.json normalizer; overrides win over both', () => {
    const dir = saveSmall();
    assert.deepEqual(BertTokenizer.fromPretrained(dir).tokenize('Café'), ['cafe']);
    editJson(join(dir, 'tokenizer_config.json'), (json) => {
      json.do_lower_case = false;
      json.strip_accents = false;
    });
    assert.deepEqual(BertTokenizer.fromPretrained(dir).tokenize('café Café'), ['café', '[UNK]']);
    assert.deepEqual(BertTokenizer.fromPretrained(dir, { doLowerCase: true, stripAccents: null }).tokenize('Café'), ['cafe']);
  });

  test('added tokens past the vocabulary extend it, are never split, and survive a save', () => {
    const dir = saveSmall();
    editJson(join(dir, 'tokenizer.json'), (json) => {
      json.added_tokens.push({ id: 11, content: '<ent>', single_word: false, lstrip: false, rstrip: false, normalized: false, special: false });
    });
    const tokenizer = BertTokenizer.fromPretrained(dir);
    assert.equal(tokenizer.vocab.size, 12);
    assert.deepEqual(tokenizer.encode('hello<ent>worlds').tokens, ['[CLS]', 'hello', '<ent>', 'world', '##s', '[SEP]']);
    const again = freshDir();
    tokenizer.save(again);
    assert.deepEqual(BertTokenizer.fromPretrained(again).encode('hello<ent>worlds').ids, [2, 5, 11, 6, 7, 3]);
  });

  test('the older BertProcessing post-processor is read as BERT\'s template', () => {
    const dir = saveSmall();
    editJson(join(dir, 'tokenizer.json'), (json) => {
      json.post_processor = { type: 'BertProcessing', sep: ['[SEP]', 3], cls: ['[CLS]', 2] };
    });
    const encoding = BertTokenizer.fromPretrained(dir).encode('hello', 'world');
    assert.deepEqual(encoding.tokens, ['[CLS]', 'hello', '[SEP]', 'world', '[SEP]']);
    assert.deepEqual(encoding.typeIds, [0, 0, 0, 1, 1]);
  });

  test('malformed tokenizer.json: the error names the file and the field', () => {
    const cases: [string, (json: Record<string, any>) => void, RegExp][] = [
      ['vocab as a list', (json) => { json.model.vocab = ['[UNK]']; }, /tokenizer\.json: model\.vocab must be an object of token → id, got an array/],
      ['vocab id not a number', (json) => { json.model.vocab.hello = 'five'; }, /tokenizer\.json: model\.vocab must be an object of token → id; "hello" has string "five"/],
      ['vocab ids with a gap', (json) => { json.model.vocab.hello = 40; }, /tokenizer\.json: model\.vocab ids must run from 0 to 10 without gaps; "hello" has id 40/],
      ['two tokens with one id', (json) => { json.model.vocab.hello = 6; }, /model\.vocab gives id 6 to both/],
      ['no model', (json) => { delete json.model; }, /tokenizer\.json: model must be an object, got nothing/],
      ['a BPE model', (json) => { json.model.type = 'BPE'; }, /tokenizer\.json: model\.type is "BPE"; bertkit reads WordPiece/],
      ['another normalizer', (json) => { json.normalizer = { type: 'Lowercase' }; }, /tokenizer\.json: normalizer\.type is "Lowercase"; bertkit reads BertNormalizer only/],
      ['lowercase not boolean', (json) => { json.normalizer.lowercase = 'yes'; }, /tokenizer\.json: normalizer\.lowercase must be true or false, got string "yes"/],
      ['template without B', (json) => { json.post_processor.pair = json.post_processor.single; }, /tokenizer\.json: post_processor is invalid: the pair template must use both sequences A and B/],
      ['template piece malformed', (json) => { json.post_processor.single[1] = { Seq: {} }; }, /post_processor\.single\[1\] must be \{"SpecialToken": …\} or \{"Sequence": …\}/],
      ['special token id mismatch', (json) => { json.post_processor.special_tokens['[CLS]'].ids = [5]; }, /post_processor\.special_tokens\.\[CLS\] maps "\[CLS\]" to id 5, which the vocabulary gives to "hello"/],
      ['added token id mismatch', (json) => { json.added_tokens[0].id = 5; }, /added_tokens: "\[PAD\]" has id 5, which the vocabulary gives to "hello"/],
      ['added token flag', (json) => { json.added_tokens[1].lstrip = 1; }, /tokenizer\.json: added_tokens\[1\]\.lstrip must be true or false/],
      ['vocab without [UNK]', (json) => { json.model.vocab = { '[PAD]': 0, '[CLS]': 1, '[SEP]': 2, hello: 3 }; json.added_tokens = []; json.post_processor = null; }, /the unknown token "\[UNK\]" is on none of the vocabulary's 4 lines/],
    ];
    for (const [what, edit, expected] of cases) {
      const dir = saveSmall();
      editJson(join(dir, 'tokenizer.json'), edit);
      assert.throws(() => BertTokenizer.fromPretrained(dir), (error: Error) => {
        assert.match(error.message, expected, what);
        assert.ok(error.message.includes(join(dir, 'tokenizer.json')), `${what}: names the file: ${error.message}`);
        return true;
      });
    }
  });

  test('JSON syntax errors give line and column', () => {
    const dir = saveSmall();
    const path = join(dir, 'tokenizer.json');
    writeFileSync(path, '{\n  "version": "1.0",\n  "model": {"vocab": {"a": 0,}}\n}\n');
    assert.throws(() => BertTokenizer.fromPretrained(dir), new RegExp(`${path.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:3:30: invalid JSON: unexpected '}'`));
    writeFileSync(path, '{"version": "1.0"');
    assert.throws(() => BertTokenizer.fromPretrained(dir), /tokenizer\.json:1:18: invalid JSON: unexpected end of JSON/);
  });

  test('malformed tokenizer_config.json and special_tokens_map.json', () => {
    const dir = saveSmall();
    editJson(join(dir, 'tokenizer_config.json'), (json) => { json.do_lower_case = 'yes'; });
    assert.throws(() => BertTokenizer.fromPretrained(dir), /tokenizer_config\.json: do_lower_case must be true or false, got string "yes"/);
    editJson(join(dir, 'tokenizer_config.json'), (json) => { json.do_lower_case = true; json.model_max_length = -3; });
    assert.throws(() => BertTokenizer.fromPretrained(dir), /tokenizer_config\.json: model_max_length must be an integer >= 1, got number -3/);
    editJson(join(dir, 'tokenizer_config.json'), (json) => { json.model_max_length = 8; json.padding_side = 'middle'; });
    assert.throws(() => BertTokenizer.fromPretrained(dir), /tokenizer_config\.json: padding_side must be "left" or "right", got string "middle"/);
    editJson(join(dir, 'tokenizer_config.json'), (json) => { json.padding_side = 'left'; });
    writeFileSync(join(dir, 'special_tokens_map.json'), '[]');
    assert.throws(() => BertTokenizer.fromPretrained(dir), /special_tokens_map\.json: must be an object, got an array/);
  });

  test('missing paths and empty directories', () => {
    assert.throws(() => BertTokenizer.fromPretrained(join(scratch, 'nope')), /nope: no such file or directory/);
    assert.throws(() => BertTokenizer.fromPretrained(freshDir()), /the directory has neither tokenizer\.json nor vocab\.txt/);
    const dir = freshDir();
    writeFileSync(join(dir, 'vocab.txt'), 'hello\nworld\n');
    assert.throws(() => BertTokenizer.fromPretrained(dir), /vocab\.txt: the unknown token "\[UNK\]" is on none of the vocabulary's 2 lines/);
  });
});
