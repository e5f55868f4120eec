import assert from 'node:assert/strict';
import { test } from 'node:test';
import { finetuneCurveSvg } from '../../src/train/finetune-curve.js';

/** The points of the path whose <title> is `title`. */
function points(svg: string, title: string): [number, number][] {
  const match = new RegExp(`<path d="([^"]*)"[^>]*><title>${title}</title>`).exec(svg);
  assert.ok(match, `a path titled ${title}`);
  return match[1]!.split(' ').map((point) => point.slice(1).split(',').map(Number) as [number, number]);
}

test('the fine-tuning curve puts the metric on its own axis and rings the best evaluation', () => {
  const train = [{ step: 1, loss: 2 }, { step: 2, loss: 1.5 }, { step: 4, loss: 1 }];
  const evals = [
    { step: 2, metrics: { loss: 1.6, accuracy: 0.5 }, improved: true },
    { step: 4, metrics: { loss: 1.2, accuracy: 0.75 }, improved: true },
    { step: 6, metrics: { loss: 1.3, accuracy: 0.7 }, improved: false },
  ];
  const svg = finetuneCurveSvg('accuracy', train, evals);
  const metric = points(svg, 'dev accuracy');
  const baseline = Number(/<line x1="[\d.]+" y1="([\d.]+)"/.exec(svg)![1]);
  const height = (y: number) => baseline - y;
  // The right axis runs 0..1: accuracy 0.75 stands 1.5 times as high as 0.5.
  assert.ok(Math.abs(height(metric[1]![1]) - 1.5 * height(metric[0]![1])) < 0.2);
  const ring = /<circle cx="([\d.]+)" cy="([\d.]+)" r="5"[^>]*><title>best checkpoint \(step 4\)<\/title>/.exec(svg);
  assert.ok(ring, 'the last improving evaluation is ringed');
  assert.deepEqual([Number(ring[1]), Number(ring[2])], metric[1]);
  assert.equal(points(svg, 'dev loss').length, 3);
  assert.doesNotMatch(finetuneCurveSvg('accuracy', train, evals.map((e) => ({ ...e, improved: false }))), /best checkpoint/);
});
