// What every optimizer shares: the update contract, the Adam moment buffers and the weight-decay groups.
//
// Where the update runs was decided by measurement (busy 2-core dev machine, 110.9 M float32
// parameters, node 20, onnxruntime-node 1.30, 2 intra-op threads), per update:
//   - in the ONNX graph (p, g, m, v in; p', m', v' out; 14 elementwise nodes per tensor): 1.6–1.8 s,
//     because ORT runs each elementwise node as its own full pass and copies the three outputs;
//   - in the runtime, one fused plain-JS loop per tensor: 0.60 s (5.4 ns per element, scalar sqrt/div);
//   - the same loop as a WebAssembly SIMD kernel (runtime/simd/), staged in chunks: 0.22 s;
//   - that kernel in place on p, g, m, v kept together in kernel memory (what TrainStep does): 0.09 s,
//     plus 0.03 s to copy ORT's gradient outputs there.
// So the update runs in the training worker, and the graph only produces gradients.

import type { ParameterStore } from '../../runtime/parameters.js';

export type Gradients = ReadonlyMap<string, Float32Array>;

export interface UpdateOptions {
  /** This step's learning rate (from a schedule). */
  readonly learningRate: number;
  /** Multiplies every gradient before use: 1/micro-batches × the clipping factor. Default 1. */
  readonly gradScale?: number;
  /** Per-parameter multipliers of the learning rate (layer-wise decay); absent names train at 1×. */
  readonly learningRateScales?: Readonly<Record<string, number>>;
}

export interface MomentState {
  readonly m: Float32Array;
  readonly v: Float32Array;
}

export interface OptimizerState {
  readonly kind: OptimizerKind;
  /** Updates applied so far; bias correction uses step + 1 for the next one. */
  readonly step: number;
  readonly moments: Readonly<Record<string, MomentState>>;
}

export type OptimizerKind = 'adamw' | 'lamb';

export interface Optimizer {
  readonly kind: OptimizerKind;
  readonly step: number;
  /** Updates `params` in place from `grads` (every parameter must have a gradient). */
  update(params: ParameterStore, grads: Gradients, options: UpdateOptions): void;
  /** A deep copy of the optimizer's state, for checkpoints. */
  state(): OptimizerState;
  restore(state: OptimizerState): void;
}

export interface AdamHyperparameters {
  readonly beta1?: number;
  readonly beta2?: number;
  readonly epsilon?: number;
  readonly weightDecay?: number;
  /**
   * Substrings of parameter names that get no weight decay (HF and google-research/bert exclude
   * biases and LayerNorm parameters). Default ['bias', 'LayerNorm'].
   */
  readonly noDecay?: readonly string[];
}

const DEFAULT_NO_DECAY: readonly string[] = ['bias', 'LayerNorm'];

export function decays(name: string, noDecay: readonly string[]): boolean {
  return !noDecay.some((fragment) => name.includes(fragment));
}

function checkHyperparameters(where: string, h: AdamHyperparameters): void {
  const beta1 = h.beta1 ?? 0.9, beta2 = h.beta2 ?? 0.999;
  if (!(beta1 >= 0 && beta1 < 1)) throw new Error(`${where}: beta1 must be in [0, 1), got ${beta1}`);
  if (!(beta2 >= 0 && beta2 < 1)) throw new Error(`${where}: beta2 must be in [0, 1), got ${beta2}`);
  if (h.epsilon !== undefined && !(h.epsilon > 0)) throw new Error(`${where}: epsilon must be > 0, got ${h.epsilon}`);
  if (h.weightDecay !== undefined && !(h.weightDecay >= 0)) throw new Error(`${where}: weightDecay must be >= 0, got ${h.weightDecay}`);
}

/**
 * Allocates the zeroed moment buffers of a parameter. TrainStep passes one that places them beside
 * the parameter in SIMD kernel memory, so the update runs in place.
 */
export type MomentAllocator = (name: string, size: number) => MomentState;

const allocateSeparately: MomentAllocator = (_name, size) => ({ m: new Float32Array(size), v: new Float32Array(size) });

/** First and second moment buffers per parameter, created on first use. */
export class AdamMoments {
  private readonly buffers = new Map<string, MomentState>();

  constructor(private readonly allocate: MomentAllocator = allocateSeparately) {}

  for(name: string, size: number): MomentState {
    let moments = this.buffers.get(name);
    if (moments === undefined) {
      moments = this.allocate(name, size);
      if (moments.m.length !== size || moments.v.length !== size) throw new Error(`AdamMoments: allocator gave wrong-sized moments for '${name}'`);
      this.buffers.set(name, moments);
    }
    return moments;
  }

  snapshot(): Record<string, MomentState> {
    const copy: Record<string, MomentState> = {};
    for (const [name, { m, v }] of this.buffers) copy[name] = { m: m.slice(), v: v.slice() };
    return copy;
  }

  load(where: string, moments: Readonly<Record<string, MomentState>>): void {
    this.buffers.clear();
    for (const [name, { m, v }] of Object.entries(moments)) {
      if (!(m instanceof Float32Array) || !(v instanceof Float32Array) || m.length !== v.length) {
        throw new Error(`${where}: saved moments of '${name}' must be two Float32Arrays of equal length`);
      }
      const target = this.allocate(name, m.length);
      target.m.set(m);
      target.v.set(v);
      this.buffers.set(name, target);
    }
  }
}

export function gradientOf(where: string, grads: Gradients, name: string, size: number): Float32Array {
  const gradient = grads.get(name);
  if (gradient === undefined) throw new Error(`${where}: no gradient for parameter '${name}'`);
  if (gradient.length !== size) throw new Error(`${where}: gradient of '${name}' has ${gradient.length} values, the parameter ${size}`);
  return gradient;
}

function checkRestoredState(where: string, kind: OptimizerKind, state: OptimizerState): void {
  if (state.kind !== kind) throw new Error(`${where}: cannot restore a '${state.kind}' optimizer state`);
  if (!Number.isInteger(state.step) || state.step < 0) throw new Error(`${where}: saved step must be a non-negative integer, got ${state.step}`);
}

/** What AdamW and LAMB share: hyper-parameters, the moment buffers, the step count and checkpoints. */
export abstract class AdamFamily implements Optimizer {
  abstract readonly kind: OptimizerKind;
  protected readonly beta1: number;
  protected readonly beta2: number;
  protected readonly epsilon: number;
  protected readonly weightDecay: number;
  protected readonly noDecay: readonly string[];
  protected readonly moments: AdamMoments;
  protected updates = 0;

  constructor(protected readonly label: string, hyper: AdamHyperparameters, defaultEpsilon: number, allocate?: MomentAllocator) {
    checkHyperparameters(label, hyper);
    this.moments = new AdamMoments(allocate);
    this.beta1 = hyper.beta1 ?? 0.9;
    this.beta2 = hyper.beta2 ?? 0.999;
    this.epsilon = hyper.epsilon ?? defaultEpsilon;
    this.weightDecay = hyper.weightDecay ?? 0.01;
    this.noDecay = hyper.noDecay ?? DEFAULT_NO_DECAY;
  }

  get step(): number {
    return this.updates;
  }

  abstract update(params: ParameterStore, grads: Gradients, options: UpdateOptions): void;

  state(): OptimizerState {
    return { kind: this.kind, step: this.updates, moments: this.moments.snapshot() };
  }

  restore(state: OptimizerState): void {
    checkRestoredState(this.label, this.kind, state);
    this.moments.load(this.label, state.moments);
    this.updates = state.step;
  }
}
