// A peer kept running beside the benchmark in a process of its own — a PyTorch script
// (bench/pytorch_bert.py, …) or transformers.js (bench/transformersjs-peer.ts) — one timed pass per
// request, so that its runs interleave with bertkit's in the same rounds and drift of the shared
// CPU falls on both alike, and no ONNX Runtime thread pool of the benchmark's process spins beside
// it. Every PyTorch peer (this one and the scripts the finetune and
// pretrain suites run) starts under `peerEnvironment()`: without this machine's OPENBLAS_CORETYPE
// and OPENBLAS_L2_SIZE, which pin older OpenBLAS builds to Haswell kernels (a 4096×768×3072 MatMul:
// 88 GFLOPS with them, 112 without), and with OMP_WAIT_POLICY=PASSIVE: Debian's torch runs its own ops
// on OpenMP threads that spin after each parallel region, on the cores OpenBLAS's own threads then
// need for the matrix products (alone on the 2-vCPU Zen 5, bench/pytorch_pretrain.py: mini 2,029 tokens/s
// spinning, 2,521 passive; base 137 and 183; the quality study's tiny masked LM 7.8k and 14.5k). It
// reports the OpenBLAS core it then ran (bench/openblas_info.py).
import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from 'node:child_process';
import { basename } from 'node:path';
import { createInterface } from 'node:readline';

/** What a peer reports of the OpenBLAS it ran on (bench/openblas_info.py); null: no OpenBLAS was loaded. */
export interface OpenblasInfo {
  core: string;
  config: string;
  library: string;
}

/** This machine's OpenBLAS overrides, meant for older builds, which the peers must not inherit. */
const OPENBLAS_OVERRIDES = ['OPENBLAS_CORETYPE', 'OPENBLAS_L2_SIZE'];

/**
 * The environment of a peer process: this one's without the OpenBLAS overrides (only there: tests and CI
 * keep theirs), its OpenMP threads sleeping rather than spinning between parallel regions.
 */
export function peerEnvironment(environment: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return { ...Object.fromEntries(Object.entries(environment).filter(([name]) => !OPENBLAS_OVERRIDES.includes(name))), OMP_WAIT_POLICY: 'PASSIVE' };
}

/** $BERTKIT_PYTHON, else the first of python3 and the system's /usr/bin/python3 (Debian's python3-torch, which a pyenv python3 may shadow) that imports torch. */
export function pythonWithTorch(): string | undefined {
  const candidates = [...(process.env.BERTKIT_PYTHON ? [process.env.BERTKIT_PYTHON] : []), 'python3', '/usr/bin/python3'];
  return candidates.find((candidate) => spawnSync(candidate, ['-c', 'import torch'], { stdio: 'ignore', env: peerEnvironment() }).status === 0);
}

/** For a row's note: 'OpenBLAS core Zen (OpenBLAS 0.3.21 …)', or that none was loaded. */
export function describeOpenblas(info: OpenblasInfo | null | undefined): string {
  return info ? `OpenBLAS core ${info.core} (${info.config})` : 'no OpenBLAS loaded';
}

/** How long the script may take to build its model and make its warm-up pass. */
const START_TIMEOUT_MS = 600_000;

export class PeerProcess {
  private constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    private readonly lines: AsyncIterator<string>,
    private readonly exited: Promise<string>,
    private readonly name: string,
    /** The script's first line: {"threads": n, "torch": version, "openblas": …} (transformers.js: {"transformers": version, …}). */
    readonly about: { threads?: number; torch?: string; openblas?: OpenblasInfo | null; transformers?: string },
  ) {}

  /** Starts the Python `script` with `args` under the first Python that imports torch, or says why it cannot. */
  static async start(script: string, args: readonly string[]): Promise<PeerProcess | { skipped: string }> {
    const python = pythonWithTorch();
    if (python === undefined) return { skipped: "python3 -c 'import torch' fails (apt-get install -y python3-torch libopenblas0-pthread)" };
    return PeerProcess.spawn(python, script, args);
  }

  /** Starts the compiled Node `script` (e.g. dist/bench/transformersjs-peer.js) with `args`. */
  static async startNode(script: string, args: readonly string[]): Promise<PeerProcess | { skipped: string }> {
    return PeerProcess.spawn(process.execPath, script, args);
  }

  private static async spawn(program: string, script: string, args: readonly string[]): Promise<PeerProcess | { skipped: string }> {
    const name = basename(script);
    const child = spawn(program, [script, ...args], { stdio: ['pipe', 'pipe', 'pipe'], env: peerEnvironment() });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString('utf8'); });
    // A write after the child died fails with EPIPE; the next read reports why it died.
    child.stdin.on('error', () => {});
    const exited = new Promise<string>((resolveExit) => {
      const describe = (how: string): void => resolveExit(`${name} stopped (${how}): ${stderr.trim().split('\n').at(-1) || 'no message'}`);
      child.once('error', (error) => describe(error.message));
      child.once('close', (code, signal) => describe(signal === null ? `exit code ${code}` : `signal ${signal}`));
    });
    const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    let timer: NodeJS.Timeout | undefined;
    try {
      const first = await Promise.race([
        PeerProcess.read(lines, exited, name),
        new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`${name} did not start within ${START_TIMEOUT_MS / 1000} s`)), START_TIMEOUT_MS); }),
      ]);
      return new PeerProcess(child, lines, exited, name, first as PeerProcess['about']);
    } catch (error) {
      child.kill();
      return { skipped: (error as Error).message };
    } finally {
      clearTimeout(timer);
    }
  }

  /** Wall seconds of one pass, timed inside the peer. */
  async seconds(): Promise<number> {
    this.child.stdin.write('run\n');
    const { seconds } = (await PeerProcess.read(this.lines, this.exited, this.name)) as { seconds: number };
    return seconds;
  }

  /** Ends the script (it exits at the end of its stdin). */
  close(): void {
    this.child.stdin.end();
  }

  private static async read(lines: AsyncIterator<string>, exited: Promise<string>, name: string): Promise<unknown> {
    const line = await lines.next();
    if (line.done) throw new Error(await exited);
    try {
      return JSON.parse(line.value) as unknown;
    } catch {
      throw new Error(`${name} printed ${JSON.stringify(line.value)} where a JSON line was expected`);
    }
  }
}
