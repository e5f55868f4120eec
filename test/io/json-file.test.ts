import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseJson, readJsonFile } from '../../src/io/json-file.js';

test('parseJson returns what JSON.parse returns', () => {
  const text = '{"a": [1, 2.5e3, "\\u00e9\\n"], "b": {"c": null, "d": true}}';
  assert.deepEqual(parseJson(text, 'x.json'), JSON.parse(text));
});

test('a syntax error names the source, line and column of the first bad character', () => {
  const cases: [string, string][] = [
    ['{\n  "a": 1,\n  "b": [1, 2,]\n}', "x.json:3:14: invalid JSON: unexpected ']'"],
    ['{"a": 1', 'x.json:1:8: invalid JSON: unexpected end of JSON'],
    ['{"a": tru}', "x.json:1:10: invalid JSON: unexpected '}'"],
    ['{"a": "\\x"}', "x.json:1:9: invalid JSON: unexpected 'x'"],
    ['{"a": "\\u12g4"}', "x.json:1:12: invalid JSON: unexpected 'g'"],
    ['[1] 2', "x.json:1:5: invalid JSON: unexpected '2'"],
    ['{"a":\t"b\tc"}', 'x.json:1:9: invalid JSON: unexpected character U+0009'],
    ['', 'x.json:1:1: invalid JSON: unexpected end of JSON'],
  ];
  for (const [text, message] of cases) assert.throws(() => parseJson(text, 'x.json'), { message }, JSON.stringify(text));
});

test('a JSON Lines record counts lines from its own line, and says what was expected', () => {
  assert.throws(() => parseJson('{"text": oops}', 'in.jsonl', { line: 7 }), { message: "in.jsonl:7:10: invalid JSON: unexpected 'o'" });
  assert.throws(
    () => parseJson('plain text', 'in.jsonl', { line: 2, expected: 'an object such as {"text": "..."}' }),
    { message: 'in.jsonl:2:1: invalid JSON: unexpected \'p\'; expected an object such as {"text": "..."}' },
  );
});

test('readJsonFile drops a byte-order mark and names the file in every error', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bertkit-json-file-'));
  try {
    const file = join(dir, 'config.json');
    writeFileSync(file, '\ufeff{"hidden_size": 768}');
    assert.deepEqual(readJsonFile(file), { hidden_size: 768 });
    writeFileSync(file, '{\n"hidden_size": 768,\n}');
    assert.throws(() => readJsonFile(file), { message: `${file}:3:1: invalid JSON: unexpected '}'` });
    assert.throws(() => readJsonFile(join(dir, 'missing.json')), { message: `${join(dir, 'missing.json')}: no such file` });
    assert.throws(() => readJsonFile(dir), { message: `${dir}: is a directory, not a file` });
    writeFileSync(file, Buffer.from([0x7b, 0x0a, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d])); // {\n"\xff":1}
    assert.throws(() => readJsonFile(file), { message: `${file}:2: invalid UTF-8` });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
