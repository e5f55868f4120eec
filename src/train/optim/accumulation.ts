// Gradient accumulation over micro-batches: sums the gradients of k forward/backward runs so one
// optimizer update sees the gradient of the whole batch. Without targets the first micro-batch's
// buffers are adopted (ORT hands out fresh output buffers, so no copy); with targets (TrainStep's
// gradient buffers in SIMD kernel memory) they are copied there. Later ones are added in place.

export class GradientAccumulator {
  private sums = new Map<string, Float32Array>();
  private micro = 0;

  constructor(private readonly targets?: ReadonlyMap<string, Float32Array>) {}

  add(gradients: ReadonlyMap<string, Float32Array>): void {
    if (this.micro === 0) {
      this.sums = this.targets === undefined ? new Map(gradients) : this.copyToTargets(gradients);
    } else {
      if (gradients.size !== this.sums.size) throw new Error(`GradientAccumulator: micro-batch has ${gradients.size} gradients, expected ${this.sums.size}`);
      for (const [name, g] of gradients) {
        const sum = this.sums.get(name);
        if (sum === undefined || sum.length !== g.length) throw new Error(`GradientAccumulator: gradient '${name}' does not match the first micro-batch`);
        for (let i = 0; i < g.length; i++) sum[i]! += g[i]!;
      }
    }
    this.micro++;
  }

  private copyToTargets(gradients: ReadonlyMap<string, Float32Array>): Map<string, Float32Array> {
    const sums = new Map<string, Float32Array>();
    for (const [name, g] of gradients) {
      const target = this.targets!.get(name);
      if (target === undefined || target.length !== g.length) throw new Error(`GradientAccumulator: no ${g.length}-value target buffer for gradient '${name}'`);
      target.set(g);
      sums.set(name, target);
    }
    return sums;
  }

  get count(): number {
    return this.micro;
  }

  /** The summed gradients and how many micro-batches they hold; resets the accumulator. */
  take(): { sums: Map<string, Float32Array>; count: number } {
    if (this.micro === 0) throw new Error('GradientAccumulator: no gradients accumulated');
    const taken = { sums: this.sums, count: this.micro };
    this.sums = new Map();
    this.micro = 0;
    return taken;
  }
}
