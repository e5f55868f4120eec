// Progress where stderr is not a terminal (a log file, CI, nohup): lines now and then, not silence.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ProgressBar, RecentRate } from '../../src/cli/progress.js';

/** A stream that is not a TTY and keeps what is written to it. */
function logFile(): { stream: NodeJS.WriteStream; text: () => string } {
  const chunks: string[] = [];
  const stream = { isTTY: false, write: (chunk: string) => chunks.push(chunk) > 0 } as unknown as NodeJS.WriteStream;
  return { stream, text: () => chunks.join('') };
}

test('off a terminal, progress is a line per interval (with its detail) and a last line; --quiet prints nothing', () => {
  const log = logFile();
  const bar = new ProgressBar({ label: 'pretrain', total: 4, unit: 'steps' }, { stream: log.stream, lineSeconds: 0 });
  bar.update(1, 'loss 2.5000');
  bar.update(2);
  bar.log('step 2: held-out MLM loss 2.4');
  bar.stop();
  const lines = log.text().trimEnd().split('\n');
  assert.match(lines[0]!, /^pretrain: 1\/4 steps \(25%\), [\d,]+ steps\/s, ETA \S+, loss 2\.5000$/);
  assert.match(lines[1]!, /^pretrain: 2\/4 steps \(50%\), .*, loss 2\.5000$/);
  assert.equal(lines[2], 'step 2: held-out MLM loss 2.4');
  assert.match(lines[3]!, /^pretrain: 2\/4 steps \(50%\), [\d,]+ steps\/s, in \d+s, loss 2\.5000$/);

  const quiet = logFile();
  const silent = new ProgressBar({ label: 'pretrain', total: 4, unit: 'steps' }, { stream: quiet.stream, lineSeconds: 0, quiet: true });
  silent.update(3);
  silent.stop();
  assert.equal(quiet.text(), '');
});

test('off a terminal, a job shorter than the interval stays silent', () => {
  const log = logFile();
  const bar = new ProgressBar({ label: 'embedding', total: 2, unit: 'texts' }, { stream: log.stream, lineSeconds: 60 });
  bar.update(1);
  bar.update(2);
  bar.stop();
  assert.equal(log.text(), '');
});

test('the rate is the pace of the latest minute from the first report: a resumed run does not count its earlier steps, a slower phase shows', () => {
  let now = 0;
  const rate = new RecentRate(60_000, 1000, () => now);
  rate.add(5000); // resumed at step 5,000
  assert.equal(rate.perSecond(), 0, 'one report: no pace yet');
  for (let second = 1; second <= 30; second++) {
    now = second * 1000;
    rate.add(5000 + 10 * second);
  }
  assert.equal(rate.perSecond(), 10);
  // Updates get four times dearer (a curriculum ends): after a minute only the new pace is left.
  for (let second = 31; second <= 100; second++) {
    now = second * 1000;
    rate.add(5300 + 2.5 * (second - 30));
  }
  assert.equal(rate.perSecond(), 2.5);
  // Reports closer together than a sample still move the latest value.
  now = 100_500;
  rate.add(5300 + 2.5 * 70 + 5);
  assert.ok(rate.perSecond() > 2.5);
});
