// /metrics in Prometheus' text format, under TEI's metric names (router/src/prometheus.rs,
// core/src/queue.rs): requests, failures by cause, request latency (seconds, geometric buckets
// ×1.5 from 15 µs as TEI's), the sizes and padded tokens of the batches the batcher forms, and the
// inputs waiting in its queue, and (bertkit's own) the inference requests in flight. One registry per server, so that servers in one process (tests) stay apart.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { BatchObservation } from './batcher.js';

const powersOfTwo = (count: number): number[] => Array.from({ length: count }, (_, k) => 2 ** k);

export class ServerMetrics {
  readonly registry = new Registry();
  private readonly requests = new Counter({ name: 'te_request_count', help: 'Requests received, by route', labelNames: ['route'], registers: [this.registry] });
  private readonly successes = new Counter({ name: 'te_request_success', help: 'Requests answered 2xx, by route', labelNames: ['route'], registers: [this.registry] });
  private readonly failures = new Counter({ name: 'te_request_failure', help: 'Requests answered with an error, by error type (dropped: the client went away)', labelNames: ['err'], registers: [this.registry] });
  private readonly duration = new Histogram({
    name: 'te_request_duration',
    help: 'Time from request to response, seconds',
    labelNames: ['route'],
    buckets: Array.from({ length: 35 }, (_, k) => 0.00001 * 1.5 ** (k + 1)),
    registers: [this.registry],
  });
  private readonly batchSize = new Histogram({ name: 'te_batch_next_size', help: 'Inputs per model run', buckets: powersOfTwo(13), registers: [this.registry] });
  private readonly batchTokens = new Histogram({ name: 'te_batch_next_tokens', help: 'Padded tokens per model run (rows × longest row)', buckets: powersOfTwo(21), registers: [this.registry] });
  private readonly queueSize = new Gauge({ name: 'te_queue_size', help: 'Inputs waiting for a model run', registers: [this.registry] });
  /** Not TEI's: how close the server is to --max-concurrent-requests. */
  private readonly inFlight = new Gauge({ name: 'bertkit_requests_in_flight', help: 'Inference requests admitted and not yet answered', registers: [this.registry] });

  request(route: string, status: number, seconds: number): void {
    this.requests.inc({ route });
    if (status < 400) this.successes.inc({ route });
    this.duration.observe({ route }, seconds);
  }

  requestsInFlight(count: number): void {
    this.inFlight.set(count);
  }

  failure(cause: string): void {
    this.failures.inc({ err: cause });
  }

  batch(batch: BatchObservation): void {
    this.batchSize.observe(batch.size);
    this.batchTokens.observe(batch.paddedTokens);
    this.queueSize.set(batch.queued);
  }

  /** The exposition, with the queue's depth as of now. */
  text(queued: number): Promise<string> {
    this.queueSize.set(queued);
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
