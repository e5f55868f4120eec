// Progress where stderr is not a terminal (a log file, CI, nohup): lines now and then, not silence.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ProgressBar } from '../../src/cli/progress.js';

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
