// Calls into a worker thread, for the ONNX Runtime work that must not stall an event loop
// (Session.run blocks its thread): the training step (train/engine/worker.ts) and the HTTP server's
// inference (serve/http/inference-worker.ts) both speak this.
//   main thread   WorkerCalls.call(request, transfer) posts {id, request}, settled by the reply of that id
//   worker        serveWorkerCalls(handle) runs requests one at a time, in arrival order
// A worker that dies fails every pending call and every later one with the reason. Buffers listed
// for transfer move (and are detached on the sending side).
import { type Worker, parentPort } from 'node:worker_threads';

type Reply =
  | { readonly id: number; readonly ok: true; readonly value: unknown }
  | { readonly id: number; readonly ok: false; readonly message: string; readonly stack?: string };

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

export class WorkerCalls<Request> {
  private nextId = 0;
  private readonly pending = new Map<number, Pending>();
  private failed: Error | undefined;

  /**
   * `name` appears in errors ("the training worker"). With `unrefWhenIdle`, an idle worker does not
   * keep the process alive (a library caller that forgets close() still exits).
   */
  constructor(private readonly worker: Worker, private readonly name: string, private readonly unrefWhenIdle = false) {
    if (unrefWhenIdle) worker.unref();
    worker.on('message', (reply: Reply) => this.settle(reply));
    worker.on('error', (error) => this.failAll(error));
    worker.on('exit', (code) => this.failAll(new Error(`${name} exited (code ${code})`)));
  }

  /** Why the worker can take no more calls; undefined while it is alive. */
  get failure(): Error | undefined {
    return this.failed;
  }

  call(request: Request, transfer: readonly ArrayBuffer[] = []): Promise<unknown> {
    if (this.failed !== undefined) return Promise.reject(this.failed);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      if (this.unrefWhenIdle) this.worker.ref();
      this.worker.postMessage({ id, request }, [...transfer]);
    });
  }

  async terminate(): Promise<void> {
    await this.worker.terminate();
  }

  private settle(reply: Reply): void {
    const pending = this.pending.get(reply.id);
    if (pending === undefined) return;
    this.pending.delete(reply.id);
    if (this.unrefWhenIdle && this.pending.size === 0) this.worker.unref();
    if (reply.ok) pending.resolve(reply.value);
    else {
      const error = new Error(reply.message);
      if (reply.stack !== undefined) error.stack = `${reply.stack}\n    (in ${this.name})`;
      pending.reject(error);
    }
  }

  private failAll(error: Error): void {
    this.failed ??= error;
    for (const pending of this.pending.values()) pending.reject(error);
    this.pending.clear();
  }
}

/** In the worker thread: answers each call with `handle`'s value (its `transfer` buffers move). */
export function serveWorkerCalls<Request>(handle: (request: Request) => Promise<{ value: unknown; transfer?: readonly ArrayBuffer[] }>): void {
  if (parentPort === null) throw new Error('serveWorkerCalls: this module must run as a worker thread');
  const port = parentPort;
  let queue: Promise<void> = Promise.resolve();
  port.on('message', ({ id, request }: { id: number; request: Request }) => {
    queue = queue.then(async () => {
      try {
        const { value, transfer = [] } = await handle(request);
        port.postMessage({ id, ok: true, value } satisfies Reply, [...transfer]);
      } catch (error) {
        const { message, stack } = error instanceof Error ? error : { message: String(error), stack: undefined };
        port.postMessage({ id, ok: false, message, ...(stack === undefined ? {} : { stack }) } satisfies Reply);
      }
    });
  });
}
