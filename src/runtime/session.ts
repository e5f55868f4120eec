import { availableParallelism } from 'node:os';
import * as ort from 'onnxruntime-node';
import { Graph } from '../graph/graph.js';
import { toOnnx } from '../graph/onnx.js';
import type { DType, Dim } from '../graph/tensor.js';

/** A tensor on the JS side: row-major data and its dims. Uint8Array holds bool. */
export interface HostTensor {
  data: Float32Array | BigInt64Array | Int32Array | Uint8Array;
  dims: number[];
}

export interface SessionOptions {
  /** Intra-op threads (default: all available cores). */
  threads?: number;
  /**
   * Whether ORT's idle intra-op threads spin waiting for work (default true, ORT's default). A session
   * sharing its cores with other busy threads may turn it off: the server's worker does for small
   * models, whose spinning took the CPU the HTTP thread needed (src/serve/http/serving-threading.ts).
   */
  spinWait?: boolean;
  /**
   * ORT's memory pattern pre-plans one arena for a fixed input shape. Training sessions turn it off:
   * measured on mini and base pretraining it raised peak RSS 1.4–1.7× with no gain in step time.
   */
  memoryPattern?: boolean;
}

interface InputSpec {
  readonly name: string;
  readonly dtype: DType | string;
  readonly shape: readonly Dim[];
}

const ORT_TYPE: Record<DType, ort.Tensor.Type> = { float32: 'float32', int64: 'int64', int32: 'int32', bool: 'bool', int8: 'int8', uint8: 'uint8' };

function dtypeOfHost(data: HostTensor['data']): DType {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof BigInt64Array) return 'int64';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof Uint8Array) return 'bool';
  throw new Error(`unsupported feed data type ${Object.prototype.toString.call(data)}`);
}

/** The threading a session's owner (BertInference, Explainer) passes through to its sessions. */
export type SessionThreading = Pick<SessionOptions, 'threads' | 'spinWait'>;

/** `options` without its unset fields, as Session.create takes them. */
export function threadingOf(options: SessionThreading): SessionThreading {
  return { ...(options.threads === undefined ? {} : { threads: options.threads }), ...(options.spinWait === undefined ? {} : { spinWait: options.spinWait }) };
}

const formatDims = (dims: readonly Dim[]): string => `[${dims.join(',')}]`;

/** An ONNX Runtime session over a bertkit Graph or ONNX bytes, with checked feeds. */
export class Session {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];

  private constructor(
    private readonly session: ort.InferenceSession,
    private readonly inputs: readonly InputSpec[],
  ) {
    this.inputNames = session.inputNames;
    this.outputNames = session.outputNames;
  }

  static async create(model: Graph | Uint8Array, options: SessionOptions = {}): Promise<Session> {
    const bytes = model instanceof Graph ? toOnnx(model) : model;
    let session: ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(bytes, {
        graphOptimizationLevel: 'all',
        intraOpNumThreads: options.threads ?? availableParallelism(),
        enableMemPattern: options.memoryPattern ?? true,
        logSeverityLevel: 3,
        ...(options.spinWait === false ? { extra: { session: { intra_op: { allow_spinning: '0' } } } } : {}),
      });
    } catch (error) {
      throw new Error(`Session.create: ONNX Runtime rejected the model: ${(error as Error).message}`, { cause: error });
    }
    const specs: InputSpec[] =
      model instanceof Graph
        ? model.inputs.filter((input) => session.inputNames.includes(input.name))
        : session.inputMetadata.map((meta) => ({ name: meta.name, dtype: meta.isTensor ? meta.type : 'non-tensor', shape: meta.isTensor ? meta.shape : [] }));
    return new Session(session, specs);
  }

  /** Runs the model; returns the requested outputs (all when omitted). */
  async run(feeds: Record<string, HostTensor>, outputs?: string[]): Promise<Record<string, HostTensor>> {
    const ortFeeds: Record<string, ort.Tensor> = {};
    const symbols = new Map<string, { size: number; input: string }>();
    for (const name of Object.keys(feeds)) {
      if (!this.inputNames.includes(name)) throw new Error(`Session.run: "${name}" is not an input of the model (inputs: ${this.inputNames.join(', ')})`);
    }
    for (const spec of this.inputs) {
      const feed = feeds[spec.name];
      if (feed === undefined) throw new Error(`Session.run: missing feed "${spec.name}" (${spec.dtype}${formatDims(spec.shape)})`);
      this.checkFeed(spec, feed, symbols);
      ortFeeds[spec.name] = new ort.Tensor(ORT_TYPE[dtypeOfHost(feed.data)], feed.data, feed.dims);
    }
    for (const name of outputs ?? []) {
      if (!this.outputNames.includes(name)) throw new Error(`Session.run: "${name}" is not an output of the model (outputs: ${this.outputNames.join(', ')})`);
    }
    let results: ort.InferenceSession.ReturnType;
    try {
      results = await this.session.run(ortFeeds, outputs ?? [...this.outputNames]);
    } catch (error) {
      throw new Error(`Session.run: ONNX Runtime failed: ${(error as Error).message}`, { cause: error });
    }
    const host: Record<string, HostTensor> = {};
    for (const [name, tensor] of Object.entries(results)) {
      host[name] = { data: tensor.data as HostTensor['data'], dims: [...tensor.dims] };
    }
    return host;
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }

  private checkFeed(spec: InputSpec, feed: HostTensor, symbols: Map<string, { size: number; input: string }>): void {
    const given = `${dtypeOfHost(feed.data)}${formatDims(feed.dims)}`;
    const expected = `${spec.dtype}${formatDims(spec.shape)}`;
    const fail = (why: string): never => {
      throw new Error(`Session.run: feed "${spec.name}": ${why}: expected ${expected}, given ${given}`);
    };
    if (dtypeOfHost(feed.data) !== spec.dtype) fail('wrong dtype');
    const size = feed.dims.reduce((product, dim) => product * dim, 1);
    if (size !== feed.data.length) fail(`dims hold ${size} elements but data has ${feed.data.length}`);
    if (spec.shape.length !== feed.dims.length) fail('wrong rank');
    spec.shape.forEach((dim, axis) => {
      const actual = feed.dims[axis]!;
      if (typeof dim === 'number') {
        if (dim >= 0 && dim !== actual) fail(`axis ${axis} must be ${dim}`);
        return;
      }
      const seen = symbols.get(dim);
      if (seen === undefined) symbols.set(dim, { size: actual, input: spec.name });
      else if (seen.size !== actual) fail(`'${dim}' is ${seen.size} in feed "${seen.input}" but ${actual} here`);
    });
  }
}
