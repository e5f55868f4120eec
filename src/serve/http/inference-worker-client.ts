// InferenceWorker: the main thread's face of the inference worker (inference-worker.ts). Each call
// is posted with an id and settled by the reply with that id; a worker that dies fails every
// pending call and every later one with the reason.
import { Worker } from 'node:worker_threads';
import type { InferenceDtype } from '../../compress/quantize-model.js';
import { WorkerCalls } from '../../runtime/worker-calls.js';
import type { InferenceCall, LoadedModelInfo } from './worker-protocol.js';

export class InferenceWorker {
  private constructor(private readonly calls: WorkerCalls<InferenceCall>) {}

  /** Starts the worker; `loaded` settles when the model in `dir` is ready (or failed to load). */
  static start(dir: string, options: { dtype: InferenceDtype; threads?: number }): { worker: InferenceWorker; loaded: Promise<LoadedModelInfo> } {
    const worker = new InferenceWorker(new WorkerCalls(new Worker(new URL('./inference-worker.js', import.meta.url)), 'the inference worker'));
    const loaded = worker.call({ op: 'load', dir, ...options }) as Promise<LoadedModelInfo>;
    return { worker, loaded };
  }

  /** false once the thread has died. */
  get alive(): boolean {
    return this.calls.failure === undefined;
  }

  call(call: InferenceCall): Promise<unknown> {
    return this.calls.call(call);
  }

  /** Releases the model's sessions and ends the thread. */
  async close(): Promise<void> {
    if (this.calls.failure === undefined) await this.call({ op: 'dispose' }).catch(() => {});
    await this.calls.terminate();
  }
}
