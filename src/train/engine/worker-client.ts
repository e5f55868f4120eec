// TrainWorker: the async, main-thread face of a TrainStep running in a worker thread.
// Buffers are transferred, not copied: the parameter store given to `create`, the batches given to
// `step` and the state given to `restore` are handed over and become unusable (detached) here.
import { Worker } from 'node:worker_threads';
import type { ParameterStore } from '../../runtime/parameters.js';
import type { Batch, StepResult, TrainStepConfig, TrainStepState } from './train-step.js';
import type { TrainProgram } from '../../runtime/train-program.js';
import { type WorkerReply, type WorkerRequest, transferablesOf } from './worker-protocol.js';

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

export class TrainWorker {
  private nextId = 0;
  private readonly pending = new Map<number, Pending>();
  private failure: Error | undefined;

  private constructor(private readonly worker: Worker) {
    worker.unref();
    worker.on('message', (reply: WorkerReply) => this.settle(reply));
    worker.on('error', (error) => this.failAll(error));
    worker.on('exit', (code) => this.failAll(new Error(`TrainWorker: worker thread exited (code ${code})`)));
  }

  /** Starts a worker and builds the TrainStep there; `parameters`' buffers move to the worker. */
  static async create(program: TrainProgram, parameters: ParameterStore, config: TrainStepConfig): Promise<TrainWorker> {
    const client = new TrainWorker(new Worker(new URL('./worker.js', import.meta.url)));
    const entries = [...parameters.entries()].map(({ name, shape, data }) => ({ name, shape, data }));
    try {
      await client.call({ op: 'create', program, parameters: entries, config }, transferablesOf(entries.map((e) => e.data)));
    } catch (error) {
      await client.worker.terminate();
      throw error;
    }
    return client;
  }

  /** One optimizer update; the batch's buffers move to the worker. */
  async step(batch: Batch | readonly Batch[]): Promise<StepResult> {
    const micro: readonly Batch[] = Array.isArray(batch) ? (batch as readonly Batch[]) : [batch as Batch];
    return (await this.call({ op: 'step', batch }, transferablesOf(micro.flatMap((b) => Object.values(b).map((t) => t.data))))) as StepResult;
  }

  /** A complete copy of the training state (parameters, moments, update count, Rng). */
  async state(): Promise<TrainStepState> {
    return (await this.call({ op: 'state' }, [])) as TrainStepState;
  }

  /** A copy of the current parameters only (for evaluation or saving the model; cheaper than `state`). */
  async parameters(): Promise<Record<string, Float32Array>> {
    return (await this.call({ op: 'parameters' }, [])) as Record<string, Float32Array>;
  }

  async restore(state: TrainStepState): Promise<void> {
    const moments = Object.values(state.optimizer.moments).flatMap(({ m, v }) => [m, v]);
    await this.call({ op: 'restore', state }, transferablesOf([...Object.values(state.parameters), ...moments]));
  }

  async close(): Promise<void> {
    if (this.failure === undefined) await this.call({ op: 'dispose' }, []);
    await this.worker.terminate();
  }

  private call(request: WorkerRequest, transfer: ArrayBuffer[]): Promise<unknown> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      // Held only while a request is outstanding, so an idle worker never keeps the process alive.
      this.worker.ref();
      this.worker.postMessage({ id, request }, transfer);
    });
  }

  private settle(reply: WorkerReply): void {
    const pending = this.pending.get(reply.id);
    if (pending === undefined) return;
    this.pending.delete(reply.id);
    if (this.pending.size === 0) this.worker.unref();
    if (reply.ok) pending.resolve(reply.value);
    else {
      const error = new Error(reply.message);
      if (reply.stack !== undefined) error.stack = `${reply.stack}\n    (in the training worker)`;
      pending.reject(error);
    }
  }

  private failAll(error: Error): void {
    this.failure ??= error;
    for (const pending of this.pending.values()) pending.reject(error);
    this.pending.clear();
  }
}
