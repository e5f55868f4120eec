// The parameter store: every trainable tensor by its Hugging Face name, as a float32 host buffer.
// Parameters are graph inputs fed on every step, so the store is the single owner of their values.

export interface ParameterInfo {
  readonly name: string;
  readonly shape: readonly number[];
}

export interface StoredParameter extends ParameterInfo {
  readonly data: Float32Array;
}

export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((product, dim) => product * dim, 1);
}

export class ParameterStore {
  private readonly tensors = new Map<string, StoredParameter>();

  /** Adds a parameter; `data` defaults to zeros and must match the shape's element count. */
  add(name: string, shape: readonly number[], data?: Float32Array): Float32Array {
    if (this.tensors.has(name)) throw new Error(`ParameterStore: parameter '${name}' is already present`);
    for (const dim of shape) {
      if (!Number.isInteger(dim) || dim < 0) throw new Error(`ParameterStore: parameter '${name}' has invalid shape [${shape.join(', ')}]`);
    }
    const size = sizeOf(shape);
    const values = data ?? new Float32Array(size);
    if (values.length !== size) {
      throw new Error(`ParameterStore: parameter '${name}' has ${values.length} values but shape [${shape.join(', ')}] needs ${size}`);
    }
    this.tensors.set(name, { name, shape: Object.freeze([...shape]), data: values });
    return values;
  }

  /** Replaces the values of an existing parameter (e.g. after an update or a restore). */
  replace(name: string, data: Float32Array): void {
    const current = this.entry(name);
    if (data.length !== current.data.length) {
      throw new Error(`ParameterStore: parameter '${name}' needs ${current.data.length} values, got ${data.length}`);
    }
    this.tensors.set(name, { ...current, data });
  }

  has(name: string): boolean {
    return this.tensors.has(name);
  }

  get(name: string): Float32Array {
    return this.entry(name).data;
  }

  shape(name: string): readonly number[] {
    return this.entry(name).shape;
  }

  entry(name: string): StoredParameter {
    const found = this.tensors.get(name);
    if (found === undefined) throw new Error(`ParameterStore: no parameter named '${name}'`);
    return found;
  }

  get names(): string[] {
    return [...this.tensors.keys()];
  }

  /** Total number of scalar parameters. */
  get size(): number {
    let total = 0;
    for (const tensor of this.tensors.values()) total += tensor.data.length;
    return total;
  }

  entries(): IterableIterator<StoredParameter> {
    return this.tensors.values();
  }

  clone(): ParameterStore {
    const copy = new ParameterStore();
    for (const tensor of this.tensors.values()) copy.add(tensor.name, tensor.shape, tensor.data.slice());
    return copy;
  }
}
