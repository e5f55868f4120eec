// Dynamic batching, as TEI's queue does it (core/src/queue.rs): every input of every request waits
// in one FIFO queue; when the model is free, the batcher takes the oldest input and, greedily in
// arrival order, the further inputs of the same kind of work while the padded batch
//   rows × longest row (tokens, special tokens included) ≤ maxBatchTokens
// and, when maxBatchRequests is set (TEI's --max-batch-requests), rows ≤ maxBatchRequests,
// and hands them to the model together (which sorts them by length and pads each run of rows to its
// longest). So concurrent requests share runs, and a batch's size follows the load. Inputs of a
// request whose client went away leave the queue at once; a batch that fails is retried input by
// input, so that one bad input fails only its own request.

/** One kind of work: inputs with the same key may share a run of `run`. */
export interface Work<Input, Output> {
  readonly key: string;
  run(inputs: readonly Input[]): Promise<Output[]>;
}

export interface QueuedInput<Input> {
  readonly input: Input;
  /** Its length in tokens after truncation, special tokens included. */
  readonly tokens: number;
}

export interface BatchObservation {
  readonly size: number;
  /** Padded tokens: rows × longest row. */
  readonly paddedTokens: number;
  /** Inputs still waiting after this batch was taken. */
  readonly queued: number;
}

interface Entry {
  readonly work: Work<unknown, unknown>;
  readonly input: unknown;
  readonly tokens: number;
  readonly signal: AbortSignal;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

export class DynamicBatcher {
  private queue: Entry[] = [];
  private running = false;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly maxBatchTokens: number,
    private readonly observe: (batch: BatchObservation) => void = () => {},
    private readonly maxBatchRequests = Infinity,
  ) {}

  /** Inputs waiting for a run. */
  get queued(): number {
    return this.queue.length;
  }

  /**
   * Queues `inputs` and resolves with their outputs in order once every one has run. When `signal`
   * aborts, the request's inputs still waiting are dropped and the promise rejects with its reason.
   */
  submit<Input, Output>(work: Work<Input, Output>, inputs: readonly QueuedInput<Input>[], signal: AbortSignal): Promise<Output[]> {
    if (signal.aborted) return Promise.reject(signal.reason);
    for (const { tokens } of inputs) {
      if (tokens > this.maxBatchTokens) throw new Error(`an input of ${tokens} tokens exceeds max batch tokens ${this.maxBatchTokens}`);
    }
    const outputs = inputs.map(({ input, tokens }) => new Promise<Output>((resolve, reject) => {
      this.queue.push({ work: work as Work<unknown, unknown>, input, tokens, signal, resolve: resolve as (value: unknown) => void, reject });
    }));
    const all = Promise.all(outputs);
    const dropped = new Promise<never>((_, reject) => {
      const onAbort = (): void => {
        this.queue = this.queue.filter((entry) => entry.signal !== signal);
        reject(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      all.then(() => signal.removeEventListener('abort', onAbort), () => signal.removeEventListener('abort', onAbort));
    });
    dropped.catch(() => {});
    this.pump();
    return Promise.race([all, dropped]);
  }

  /** Resolves when nothing waits or runs. */
  idle(): Promise<void> {
    if (!this.running && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private pump(): void {
    if (this.running) return;
    const batch = this.take();
    if (batch.length === 0) {
      for (const resolve of this.idleWaiters.splice(0)) resolve();
      return;
    }
    this.running = true;
    void this.run(batch).finally(() => {
      this.running = false;
      this.pump();
    });
  }

  /** The oldest entry and, in arrival order, those of its kind that keep the padded batch within budget. */
  private take(): Entry[] {
    const head = this.queue[0];
    if (head === undefined) return [];
    const batch: Entry[] = [];
    let longest = 0;
    const rest: Entry[] = [];
    let full = false;
    for (const entry of this.queue) {
      if (full || entry.work.key !== head.work.key) {
        rest.push(entry);
        continue;
      }
      const widest = Math.max(longest, entry.tokens);
      if (widest * (batch.length + 1) > this.maxBatchTokens || batch.length === this.maxBatchRequests) {
        full = true;
        rest.push(entry);
        continue;
      }
      longest = widest;
      batch.push(entry);
    }
    this.queue = rest;
    this.observe({ size: batch.length, paddedTokens: longest * batch.length, queued: rest.length });
    return batch;
  }

  private async run(batch: readonly Entry[]): Promise<void> {
    try {
      const outputs = await batch[0]!.work.run(batch.map((entry) => entry.input));
      batch.forEach((entry, index) => entry.resolve(outputs[index]));
    } catch (error) {
      if (batch.length === 1) batch[0]!.reject(error);
      else for (const entry of batch) await this.run([entry]);
    }
  }
}
