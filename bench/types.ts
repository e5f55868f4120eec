/** One measured number. `ratio` compares bertkit with the peer run in the same process or script. */
export interface BenchRow {
  suite: string;
  metric: string;
  value: number;
  unit: string;
  peer?: { name: string; value: number };
  /** bertkit / peer, oriented so that higher is better for bertkit. */
  ratio?: number;
  goal?: string;
  note?: string;
  /** The CPU the row was measured on (bench/cpu.ts describeCpu), stamped by bench/run.ts: ratios move with it. */
  cpu?: string;
}

/** A benchmark module: files named `*.bench.ts` in bench/ export `suite` and `run`. */
export interface BenchModule {
  suite: string;
  run(): Promise<BenchRow[]>;
}
