import assert from 'node:assert/strict';
import { test } from 'node:test';
import { trainingCurveSvg } from '../../src/train/curve-svg.js';
import type { PretrainingLogEntry } from '../../src/train/curve-svg.js';

const train = (step: number, loss: number): PretrainingLogEntry => ({ kind: 'train', step, loss, learning_rate: 1e-4, grad_norm: 1, examples_per_second: 1, tokens_per_second: 1, elapsed_s: step });

/** The points of the path whose <title> is `title`. */
function points(svg: string, title: string): [number, number][] {
  const match = new RegExp(`<path d="([^"]*)"[^>]*><title>${title}</title>`).exec(svg);
  assert.ok(match, `a path titled ${title}`);
  return match[1]!.split(' ').map((point) => point.slice(1).split(',').map(Number) as [number, number]);
}

test('the curve plots losses proportionally from a zero baseline and steps proportionally along x, with eval markers and accuracy', () => {
  const svg = trainingCurveSvg([train(1, 8), train(2, 4), train(4, 2), { kind: 'eval', step: 4, mlm_loss: 6, mlm_perplexity: Math.exp(6), mlm_accuracy: 0.5, nsp_accuracy: 0.75, masked_tokens: 10, sequences: 2, nsp_loss: 0.6 }]);
  const loss = points(svg, 'training loss');
  assert.equal(loss.length, 3);
  const baseline = Number(/<line x1="[\d.]+" y1="([\d.]+)"/.exec(svg)![1]);
  const height = (y: number) => baseline - y;
  assert.ok(Math.abs(height(loss[0]![1]) - 2 * height(loss[1]![1])) < 0.2, 'loss 8 stands twice as high as loss 4');
  assert.ok(Math.abs(height(loss[1]![1]) - 2 * height(loss[2]![1])) < 0.2);
  const [x1, x2, x4] = loss.map(([x]) => x);
  assert.ok(Math.abs((x4! - x2!) - 2 * (x2! - x1!)) < 0.2, 'steps 1, 2, 4 are spaced 1 : 2');
  const evalLoss = points(svg, 'held-out MLM loss');
  assert.ok(Math.abs(height(evalLoss[0]![1]) - 0.75 * height(loss[0]![1])) < 0.2, 'eval loss 6 at 3/4 of loss 8');
  assert.equal((svg.match(/<circle /g) ?? []).length, 1);
  assert.match(svg, /<title>held-out NSP accuracy<\/title>/);
  assert.doesNotMatch(trainingCurveSvg([train(1, 3)]), /held-out/, 'no evaluation, no eval curves');
});

test("an ELECTRA run's curve draws the discriminator's held-out AUC on the accuracy axis; a masked LM without NSP draws neither", () => {
  const evaluation = (step: number, auc: number | null): PretrainingLogEntry => ({ kind: 'eval', step, mlm_loss: 6, mlm_perplexity: Math.exp(6), mlm_accuracy: 0.5, masked_tokens: 10, sequences: 2, disc_auc: auc as number });
  const svg = trainingCurveSvg([train(1, 8), train(4, 2), evaluation(2, 1), evaluation(3, null), evaluation(4, 0.5)]);
  const auc = points(svg, 'held-out discriminator AUC');
  const accuracy = points(svg, 'held-out MLM accuracy');
  assert.equal(auc.length, 2, 'the null AUC (no replaced token) is left out');
  assert.ok(Math.abs(auc[1]![1] - accuracy[2]![1]) < 0.01, 'AUC 0.5 at the height of accuracy 0.5');
  assert.match(svg, />discriminator AUC</);
  const plain = trainingCurveSvg([train(1, 8), { kind: 'eval', step: 1, mlm_loss: 6, mlm_perplexity: Math.exp(6), mlm_accuracy: 0.5, masked_tokens: 10, sequences: 2 }]);
  assert.doesNotMatch(plain, /NSP|discriminator/);
});
