// TrainWorker: the async, main-thread face of a TrainStep running in a worker thread.
// Buffers are transferred, not copied: the parameter store given to `create`, the batches given to
// `step` and the state given to `restore` are handed over and become unusable (detached) here.
import { Worker } from 'node:worker_threads';
import { WorkerCalls } from '../../runtime/worker-calls.js';
import type { ParameterStore } from '../../runtime/parameters.js';
import type { Batch, StepResult, TrainStepConfig, TrainStepState } from './train-step.js';
import type { TrainProgram } from '../../runtime/train-program.js';
import type { ScheduleConfig } from '../optim/schedules.js';
import { type WorkerRequest, transferablesOf } from './worker-protocol.js';

export class TrainWorker {
  // Unreferenced while idle, so an idle worker never keeps the process alive.
  private constructor(private readonly calls: WorkerCalls<WorkerRequest>) {}

  /** Starts a worker and builds the TrainStep there; `parameters`' buffers move to the worker. */
  static async create(program: TrainProgram, parameters: ParameterStore, config: TrainStepConfig): Promise<TrainWorker> {
    const client = new TrainWorker(new WorkerCalls(new Worker(new URL('./worker.js', import.meta.url)), 'the training worker', true));
    const entries = [...parameters.entries()].map(({ name, shape, data }) => ({ name, shape, data }));
    try {
      await client.call({ op: 'create', program, parameters: entries, config }, transferablesOf(entries.map((e) => e.data)));
    } catch (error) {
      await client.calls.terminate();
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

  /** Replaces the learning-rate schedule from the next update on (a time budget fixing the total). */
  async setSchedule(schedule: ScheduleConfig): Promise<void> {
    await this.call({ op: 'schedule', schedule }, []);
  }

  async close(): Promise<void> {
    if (this.calls.failure === undefined) await this.call({ op: 'dispose' }, []);
    await this.calls.terminate();
  }

  private call(request: WorkerRequest, transfer: ArrayBuffer[]): Promise<unknown> {
    return this.calls.call(request, transfer);
  }
}
