// `npm test`'s reporter: Node's own output, unchanged, then one line counting what skipped because
// ../shared is absent, so that a green run on a fresh clone says how much of the suite did not run.
// It wraps Node's default (spec on a terminal, TAP otherwise, the choice `node --test` makes) rather than
// running beside it as a second --test-reporter, so that the line is always the last one.
import { Readable } from 'node:stream';
import { type TestEvent, spec, tap } from 'node:test/reporters';
import { isSkippedForSharedData } from './shared.js';

export default async function* sharedDataReporter(source: AsyncGenerator<TestEvent, void>): AsyncGenerator<string, void> {
  let tests = 0, suites = 0;
  async function* counting(): AsyncGenerator<TestEvent, void> {
    for await (const event of source) {
      if (event.type === 'test:pass' && isSkippedForSharedData(event.data.skip)) {
        // A skipped suite's tests are never reported, so it counts once, as a suite (Node's own summary omits it).
        if (event.data.details.type === 'suite') suites++;
        else tests++;
      }
      yield event;
    }
  }
  const onTerminal = process.stdout.isTTY;
  const output: AsyncIterable<string | Buffer> = onTerminal ? Readable.from(counting()).pipe(new spec()) : tap(counting());
  for await (const chunk of output) yield String(chunk);
  const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;
  const counted = suites === 0 ? count(tests, 'test') : `${count(tests, 'test')} and ${count(suites, 'suite')}`;
  const line = `skipped for missing ../shared data: ${counted} (set BERTKIT_SHARED or provide ../shared)`;
  yield onTerminal ? `${line}\n` : `# ${line}\n`;
}
