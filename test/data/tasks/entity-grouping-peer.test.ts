// groupEntities against the peer it imitates: transformers.js's token-classification pipeline with
// aggregation_strategy "simple", on the random tiny fixture model exported to ONNX (random weights give
// varied labels, so groups of every shape occur). The logits are transformers.js's own model outputs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AutoModelForTokenClassification, AutoTokenizer, env, pipeline } from '@huggingface/transformers';
import { groupEntities } from '../../../src/data/tasks/entity-grouping.js';
import { loadBert } from '../../../src/model/checkpoint.js';
import { exportOnnx } from '../../../src/model/onnx-export.js';
import { BertTokenizer } from '../../../src/tokenizer/index.js';
import { sharedPath, skipWithoutShared } from '../../helpers/shared.js';

const FIXTURE = 'fixtures/bert-tiny-uncased';
const TEXTS = [
  'My name is Sarah Jessica Parker and I live in London, United Kingdom.',
  'The European Commission said on Thursday it disagreed with German advice to consumers.',
  'Peter Blackburn reported from Brussels about the Welsh National Farmers Union.',
  'Tokyo 東京 and naïve café owners met Nakamura-san in Ōsaka.',
  'Unbelievably, the International Olympic Committee reconsidered.',
];

type Grouped = { entity_group: string; score: number; word: string };

/** True when an O token sits between two tokens the pipeline joins once O tokens are dropped (its grouping differs there on purpose). */
function joinsAcrossO(labels: string[]): boolean {
  let previous: string | null = null;
  let sawO = false;
  for (const label of labels) {
    if (label === 'O') {
      sawO = previous !== null;
      continue;
    }
    const type = label.slice(2);
    if (sawO && previous !== null && !label.startsWith('B-') && previous.slice(2) === type) return true;
    previous = label;
    sawO = false;
  }
  return false;
}

test('groupEntities equals transformers.js aggregation_strategy "simple" (entity_group, score, word)', { skip: skipWithoutShared(FIXTURE, 'token-classification', 'model.safetensors') }, async () => {
  env.allowRemoteModels = false;
  const dir = mkdtempSync(join(tmpdir(), 'bertkit-grouping-'));
  try {
    const model = await loadBert(sharedPath(FIXTURE, 'token-classification'), { warn: () => {} });
    const tokenizer = BertTokenizer.fromPretrained(sharedPath(FIXTURE));
    exportOnnx(dir, model, { task: 'token-classification', tokenizer });
    const labels = Object.entries(model.config.id2label ?? {}).sort(([a], [b]) => Number(a) - Number(b)).map(([, name]) => name);
    assert.equal(labels.length, 9);
    const peerModel = await AutoModelForTokenClassification.from_pretrained(dir, { dtype: 'fp32' });
    const peerTokenizer = await AutoTokenizer.from_pretrained(dir);
    const tagger = await pipeline('token-classification', dir, { dtype: 'fp32' });
    let compared = 0;
    let entities = 0;
    try {
      for (const text of TEXTS) {
        const encoding = tokenizer.encode(text);
        const { logits } = await peerModel(peerTokenizer(text));
        const rows = logits.data as Float32Array;
        assert.equal(rows.length, encoding.ids.length * labels.length, text);
        const argmaxLabels = encoding.ids.map((_, t) => {
          const row = rows.subarray(t * 9, t * 9 + 9);
          return labels[row.indexOf(Math.max(...row))]!;
        }).slice(1, -1);
        const theirs = (await tagger(text, { aggregation_strategy: 'simple' })) as Grouped[];
        const mine = groupEntities(encoding, rows, labels);
        // Offsets: the text under each entity is its word, up to the uncased tokenizer's lowercasing, accent
        // stripping and spaces, and the '##' the decoder keeps on a group that starts inside a word.
        const fold = (value: string) => value.toLowerCase().normalize('NFD').replace(/\p{Mn}/gu, '').replace(/\s+/g, '');
        for (const entity of mine) assert.equal(fold(text.slice(entity.start, entity.end)), fold(entity.word.replace(/^##/, '')), text);
        if (joinsAcrossO(argmaxLabels)) continue;
        compared++;
        entities += mine.length;
        assert.deepEqual(mine.map((e) => [e.entity_group, e.word]), theirs.map((e) => [e.entity_group, e.word]), text);
        mine.forEach((e, k) => assert.ok(Math.abs(e.score - theirs[k]!.score) < 1e-5, `${text}: group ${k} score ${e.score} vs ${theirs[k]!.score}`));
      }
    } finally {
      await tagger.dispose();
      await peerModel.dispose();
    }
    assert.ok(compared >= 2 && entities >= 5, `compared ${compared} texts with ${entities} entities`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
