// Suite 'serve': `bertkit serve` under load, on loopback only, bounded in count and time.
//   1. /embed requests per second (steady state: after the first seconds of each level) and p50/p99
//      latency at 1, 16, 64 and 256 concurrent clients
//      (autocannon; one SST-2 sentence per request, rotating), on a BERT-base-shaped model (random
//      weights saved to a temp dir) and on the bert-tiny fixture; the server is the CLI in a child
//      process of its own, so that the load generator never shares its event loop;
//   2. the same model in process: BertInference.embed over the same sentences (the first 512; 128 for
//      BERT-base) in batches of 32, the median of passes repeated for 3 s
//      (normalised, as /embed), timed before and after the server's levels while the server idles,
//      the mean the peer for "batching pays" (server ≥ 90 % of in-process at 64 clients and above),
//      two ways: one call over all the sentences (sorted by length across all of them, then cut into
//      runs of at most 32: the least padding), and calls of 32 sentences each (a program that embeds
//      its texts 32 at a time; each call sorts only its own, as the server sorts only the batch it took);
//   3. memory: the tiny server's RSS after 1,000 and after 10,000 requests (flat: within 10 %);
//   4. overload: 64 clients against --max-concurrent-requests 16: 429s, then /health still 200;
//   5. for the tiny model, what bounds it: the same server's POST /tokenize at 64 clients (HTTP, JSON and
//      the tokenizer on the HTTP thread, no model: the most any route can answer on this machine with the
//      load generator beside it), and /embed at 64 clients sending 32 sentences per request (TEI's
//      --max-client-batch-size), whose sequences per second face the in-process peer without the
//      per-request cost.
// Non-2xx answers below the concurrency limit are counted in every row's note.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import autocannon from 'autocannon';
import { headsOf } from '../src/model/architecture.js';
import { saveBert } from '../src/model/checkpoint.js';
import { parseBertConfig } from '../src/model/config.js';
import { buildInferenceGraph } from '../src/model/inference-graph.js';
import { initializeParameters } from '../src/runtime/init.js';
import { BertInference } from '../src/serve/bert-inference.js';
import { BertTokenizer } from '../src/tokenizer/bert-tokenizer.js';
import { type ServeProcess, startServe } from '../test/helpers/serve-process.js';
import { median } from './measure.js';
import type { BenchRow } from './types.js';

export const suite = 'serve';

const SHARED = resolve(process.env.BERTKIT_SHARED ?? resolve(process.cwd(), '..', 'shared'));
const TINY_DIR = join(SHARED, 'fixtures', 'bert-tiny-uncased');
const SST2 = join(SHARED, 'data', 'sst2', 'train.tsv');
const BASE = { vocab_size: 30522, hidden_size: 768, num_hidden_layers: 12, num_attention_heads: 12, intermediate_size: 3072, max_position_embeddings: 512 };
const CLIENTS = [1, 16, 64, 256];
/** Seconds of load per concurrency level, and the first of them left out of the steady-state rate. */
const SECONDS = { tiny: 6, base: 30 };
const RAMP_SECONDS = { tiny: 2, base: 6 };
const SENTENCES = 512;
/** Sentences per request in the tiny model's client-batch row (TEI's default --max-client-batch-size). */
const CLIENT_BATCH = 32;
/** Sentences the in-process peer embeds (fewer for BERT-base, so that the pass stays short). */
const IN_PROCESS_SENTENCES = { tiny: 512, base: 128 };
/** Rows per ONNX Runtime run of the in-process peer, and sentences per call in its calls-of-32 form. */
const PEER_BATCH = 32;
/** The in-process peer's name when it embeds all its sentences in one call. */
const ONE_CALL_PEER = `in-process embed, one call, runs ≤ ${PEER_BATCH}`;
/** Seconds the in-process peer repeats its pass for (the median pass is its rate). */
const PEER_SECONDS = 3;
/** A request without an answer by then counts as an error (autocannon's default, 10 s, is less than a BERT-base batch under 256 clients on 2 cores). */
const REQUEST_TIMEOUT_S = 60;

const progress = (message: string): void => void process.stderr.write(`  serve: ${message}\n`);

export async function run(): Promise<BenchRow[]> {
  if (!existsSync(TINY_DIR) || !existsSync(SST2)) {
    return [{ suite, metric: '/embed throughput', value: 0, unit: 'req/s', note: `skipped: needs ${TINY_DIR} and ${SST2} (the project's shared data)` }];
  }
  const sentences = readFileSync(SST2, 'utf8').split('\n').slice(1, SENTENCES + 1).map((line) => line.split('\t')[0]!.trim()).filter((text) => text.length > 0);
  const work = mkdtempSync(join(tmpdir(), 'bertkit-bench-serve-'));
  try {
    const baseDir = join(work, 'bert-base-random');
    saveBaseShaped(baseDir, BertTokenizer.fromPretrained(TINY_DIR));
    const rows: BenchRow[] = [];
    for (const [name, dir] of [['tiny', TINY_DIR], ['BERT-base', baseDir]] as const) {
      const peerSentences = sentences.slice(0, name === 'tiny' ? IN_PROCESS_SENTENCES.tiny : IN_PROCESS_SENTENCES.base);
      const before = await inProcessThroughput(dir, peerSentences);
      progress(`${name}: in process ${before.oneCall.toFixed(1)} seq/s in one call, ${before.callsOf32.toFixed(1)} in calls of 32`);
      const server = await ServerProcess.start(dir, []);
      const levels: Array<{ clients: number; result: LoadResult }> = [];
      let bounds: TinyBounds | undefined;
      try {
        await load(server.url, sentences, 16, 2, 0); // warm-up: sessions created, JIT warm
        for (const clients of CLIENTS) {
          const result = await load(server.url, sentences, clients, name === 'tiny' ? SECONDS.tiny : SECONDS.base, name === 'tiny' ? RAMP_SECONDS.tiny : RAMP_SECONDS.base);
          progress(`${name}: ${clients} clients: ${result.requestsPerSecond.toFixed(1)} req/s, p50 ${result.p50} ms, p99 ${result.p99} ms, non-2xx ${result.non2xx}`);
          levels.push({ clients, result });
        }
        if (name === 'tiny') {
          bounds = await tinyBounds(server.url, sentences);
          rows.push(await memoryRow(server, sentences));
        }
      } finally {
        await server.stop();
      }
      // The peer is timed before and after the server's levels (the server idle), so that drift of the
      // shared CPU during the levels falls on both sides alike: their mean is the reference.
      const after = await inProcessThroughput(dir, peerSentences);
      const inProcess = (before.oneCall + after.oneCall) / 2;
      const inCallsOf32 = (before.callsOf32 + after.callsOf32) / 2;
      progress(`${name}: in process again ${after.oneCall.toFixed(1)} seq/s in one call, ${after.callsOf32.toFixed(1)} in calls of 32`);
      for (const { clients, result } of levels) {
        const compared = clients >= 64;
        rows.push({
          suite, metric: `${name} /embed, ${clients} clients`, value: result.requestsPerSecond, unit: 'req/s',
          ...(compared ? { peer: { name: ONE_CALL_PEER, value: inProcess }, ratio: result.requestsPerSecond / inProcess, goal: '≥ 0.90× in-process' } : {}),
          note: `${loadNote(result)}${compared ? `; in process, one call over ${peerSentences.length} sentences: ${before.oneCall.toFixed(1)} before the levels, ${after.oneCall.toFixed(1)} after` : ''}`,
        });
        if (compared) {
          rows.push({
            suite, metric: `${name} /embed, ${clients} clients, against calls of 32`, value: result.requestsPerSecond, unit: 'req/s',
            peer: { name: 'in-process embed, 32 texts per call', value: inCallsOf32 }, ratio: result.requestsPerSecond / inCallsOf32, goal: '≥ 0.90× in-process',
            note: `the row above against embed called on 32 sentences at a time: ${before.callsOf32.toFixed(1)} before the levels, ${after.callsOf32.toFixed(1)} after`,
          });
        }
      }
      if (bounds !== undefined) {
        const { tokenize, clientBatches } = bounds;
        rows.push({
          suite, metric: 'tiny server without the model: /tokenize, 64 clients', value: tokenize.requestsPerSecond, unit: 'req/s',
          peer: { name: ONE_CALL_PEER, value: inProcess }, ratio: tokenize.requestsPerSecond / inProcess,
          note: `the HTTP thread's ceiling for one-sentence requests (parsing, JSON, tokenizer; no worker, no model) with the load generator on the same cores; ${loadNote(tokenize)}`,
        });
        const sequencesPerSecond = clientBatches.requestsPerSecond * CLIENT_BATCH;
        rows.push({
          suite, metric: `tiny /embed, 64 clients, ${CLIENT_BATCH} sentences per request`, value: sequencesPerSecond, unit: 'seq/s',
          peer: { name: ONE_CALL_PEER, value: inProcess }, ratio: sequencesPerSecond / inProcess, goal: '≥ 0.90× in-process',
          note: `${clientBatches.requestsPerSecond.toFixed(1)} requests/s of ${CLIENT_BATCH} sentences; ${loadNote(clientBatches)}`,
        });
      }
    }
    rows.push(await overloadRow(sentences));
    return rows;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** A BertModel with BERT-base's shapes and random weights (seed 1), with the fixture's uncased vocabulary. */
function saveBaseShaped(dir: string, tokenizer: BertTokenizer): void {
  const config = parseBertConfig(BASE, 'bench BERT-base');
  const heads = headsOf('BertModel');
  const graph = buildInferenceGraph({ config, heads }, { outputs: ['last_hidden_state', 'pooler_output'] });
  const parameters = initializeParameters(graph.parameters.map((p) => ({ name: p.name, shape: p.shape as number[] })), { seed: 1, initializerRange: 0.02 });
  saveBert(dir, { config, heads, parameters }, { tokenizer });
}

/** Sequences per second of BertInference.embed in process, two ways (see the suite's comment). */
interface InProcessRates {
  /** One call over all the sentences, runs of at most 32. */
  oneCall: number;
  /** Calls of 32 sentences each. */
  callsOf32: number;
}

/**
 * BertInference.embed over `sentences` after a warm-up, in one call and in calls of 32, passes of the
 * two alternated: the median of passes repeated for at least PEER_SECONDS (and 3 passes), because one
 * 0.1 s pass of the tiny model varied 3,400–6,400 sentences/s on this machine.
 */
async function inProcessThroughput(dir: string, sentences: readonly string[]): Promise<InProcessRates> {
  const inference = await BertInference.load(dir, { warn: () => {} });
  const options = { batchSize: PEER_BATCH, normalize: true };
  const calls = Array.from({ length: Math.ceil(sentences.length / PEER_BATCH) }, (_, k) => sentences.slice(PEER_BATCH * k, PEER_BATCH * (k + 1)));
  const timed = async (pass: () => Promise<unknown>): Promise<number> => {
    const passStarted = performance.now();
    await pass();
    return sentences.length / ((performance.now() - passStarted) / 1000);
  };
  try {
    await inference.embed(sentences.slice(0, 64), options);
    const oneCall: number[] = [];
    const callsOf32: number[] = [];
    const started = performance.now();
    while (oneCall.length < 3 || performance.now() - started < 2 * PEER_SECONDS * 1000) {
      oneCall.push(await timed(() => inference.embed(sentences, options)));
      callsOf32.push(await timed(async () => { for (const call of calls) await inference.embed(call, options); }));
    }
    return { oneCall: median(oneCall), callsOf32: median(callsOf32) };
  } finally {
    await inference.dispose();
  }
}

/** What each client sends: the route, and one sentence or a list of them per request. */
interface RequestShape {
  readonly route: '/embed' | '/tokenize';
  readonly inputsPerRequest: number;
}

interface LoadResult {
  /** Steady state: answers per second after the ramp. */
  requestsPerSecond: number;
  /** Answers over the whole run's seconds, ramp and the requests still in flight at its end included. */
  overallPerSecond: number;
  rampSeconds: number;
  p50: number;
  p99: number;
  total: number;
  seconds: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  statuses: Record<string, number>;
}

/**
 * `clients` connections sending /embed requests, one sentence each (or as `request` says), for `seconds` (or `amount`
 * requests). The rate is the steady state's: answers per second counted by autocannon's one-second
 * ticks after the first `rampSeconds` (the clients' first batch fills the queue from empty; and the
 * requests still in flight when the time is up — up to a whole batch, 1.5 s of BERT-base work at 64
 * clients — would count as lost otherwise).
 */
async function load(url: string, sentences: readonly string[], clients: number, seconds: number, rampSeconds: number, amount?: number, request: RequestShape = { route: '/embed', inputsPerRequest: 1 }): Promise<LoadResult> {
  let next = 0;
  const inputs = (): string | string[] => {
    if (request.inputsPerRequest === 1) return sentences[next++ % sentences.length]!;
    return Array.from({ length: request.inputsPerRequest }, () => sentences[next++ % sentences.length]!);
  };
  const ticks: number[] = [];
  // Without a callback autocannon returns its instance, an EventEmitter that is also the run's promise (lib/init.js).
  const job = autocannon({
    url: `${url}${request.route}`,
    connections: clients,
    timeout: REQUEST_TIMEOUT_S,
    ...(amount === undefined ? { duration: seconds } : { amount }),
    requests: [{
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      setupRequest: (request) => ({ ...request, body: JSON.stringify({ inputs: inputs() }) }),
    }],
  });
  (job as unknown as NodeJS.EventEmitter).on('tick', ({ counter }: { counter: number }) => ticks.push(counter));
  const result = await job;
  const steady = ticks.slice(rampSeconds);
  const statuses: Record<string, number> = Object.fromEntries(Object.entries(result.statusCodeStats ?? {}).map(([code, stats]) => [code, stats?.count ?? 0]));
  const total = result.requests.total;
  const overallPerSecond = total / result.duration;
  const requestsPerSecond = steady.length > 0 ? steady.reduce((sum, count) => sum + count, 0) / steady.length : overallPerSecond;
  return { requestsPerSecond, overallPerSecond, rampSeconds, p50: result.latency.p50, p99: result.latency.p99, total, seconds: result.duration, non2xx: result.non2xx, errors: result.errors, timeouts: result.timeouts, statuses };
}

function loadNote(result: LoadResult): string {
  return `steady state: answers per second after the first ${result.rampSeconds} s of ${result.seconds} s (all seconds: ${result.overallPerSecond.toFixed(1)}/s); p50 ${result.p50} ms, p99 ${result.p99} ms; ${result.total} requests, ${result.non2xx} non-2xx, ${result.errors} errors (${result.timeouts} timeouts at ${REQUEST_TIMEOUT_S} s)`;
}

interface TinyBounds {
  /** POST /tokenize: the same HTTP path without the worker and the model. */
  tokenize: LoadResult;
  /** POST /embed with CLIENT_BATCH sentences per request. */
  clientBatches: LoadResult;
}

/** What bounds the tiny model's one-sentence rate: the HTTP path alone, and /embed with its per-request cost shared by CLIENT_BATCH sentences. */
async function tinyBounds(url: string, sentences: readonly string[]): Promise<TinyBounds> {
  const tokenize = await load(url, sentences, 64, SECONDS.tiny, RAMP_SECONDS.tiny, undefined, { route: '/tokenize', inputsPerRequest: 1 });
  progress(`tiny: /tokenize, 64 clients: ${tokenize.requestsPerSecond.toFixed(1)} req/s`);
  const clientBatches = await load(url, sentences, 64, SECONDS.tiny, RAMP_SECONDS.tiny, undefined, { route: '/embed', inputsPerRequest: CLIENT_BATCH });
  progress(`tiny: /embed, 64 clients × ${CLIENT_BATCH} sentences: ${(clientBatches.requestsPerSecond * CLIENT_BATCH).toFixed(1)} seq/s`);
  return { tokenize, clientBatches };
}

async function memoryRow(server: ServerProcess, sentences: readonly string[]): Promise<BenchRow> {
  await load(server.url, sentences, 16, 0, 0, 1000);
  const after1k = server.rssBytes();
  await load(server.url, sentences, 16, 0, 0, 9000);
  const after10k = server.rssBytes();
  progress(`tiny: RSS ${(after1k / 2 ** 20).toFixed(1)} MiB after 1,000 requests, ${(after10k / 2 ** 20).toFixed(1)} MiB after 10,000`);
  return {
    suite, metric: 'tiny server RSS after 10,000 requests', value: after10k / 2 ** 20, unit: 'MiB',
    peer: { name: 'after 1,000 requests', value: after1k / 2 ** 20 }, ratio: after1k / after10k, goal: '≥ 0.91 (within 10 %)',
  };
}

async function overloadRow(sentences: readonly string[]): Promise<BenchRow> {
  const server = await ServerProcess.start(TINY_DIR, ['--max-concurrent-requests', '16']);
  try {
    const result = await load(server.url, sentences, 64, 3, 0);
    const health = (await fetch(`${server.url}/health`)).status;
    progress(`overload: statuses ${JSON.stringify(result.statuses)}, /health ${health}`);
    return {
      suite, metric: 'tiny, 64 clients, --max-concurrent-requests 16: 429 answers', value: result.statuses['429'] ?? 0, unit: 'requests',
      note: `statuses ${JSON.stringify(result.statuses)}, ${result.errors} connection errors; /health afterwards: ${health}`,
    };
  } finally {
    await server.stop();
  }
}

/** `bertkit serve` in a child process (test/helpers/serve-process.ts), with its resident set size. */
class ServerProcess {
  private constructor(private readonly process: ServeProcess) {}

  static async start(model: string, flags: readonly string[]): Promise<ServerProcess> {
    return new ServerProcess(await startServe(['--model', model, ...flags], new AbortController().signal));
  }

  get url(): string {
    return this.process.url;
  }

  /** Resident set size of the server process (Linux /proc). */
  rssBytes(): number {
    const status = readFileSync(`/proc/${this.process.child.pid}/status`, 'utf8');
    return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)![1]) * 1024;
  }

  async stop(): Promise<void> {
    await this.process.stop();
  }
}
