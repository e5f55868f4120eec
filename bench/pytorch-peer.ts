// A PyTorch peer kept running beside the benchmark (bench/pytorch_bert.py): one timed forward pass
// per request, so that its runs interleave with bertkit's in the same rounds and drift of the
// shared CPU falls on both alike.
import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from 'node:child_process';
import { createInterface, type Interface } from 'node:readline';

export class PytorchPeer {
  private constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    private readonly lines: AsyncIterator<string>,
    private readonly reader: Interface,
    private readonly stderr: () => string,
  ) {}

  /** Starts `script` with `args` under the first Python that imports torch, or says why it cannot. */
  static async start(script: string, args: readonly string[]): Promise<PytorchPeer | { skipped: string }> {
    // Debian's python3-torch lives in the system interpreter, which a pyenv python3 may shadow.
    const candidates = [...(process.env.BERTKIT_PYTHON ? [process.env.BERTKIT_PYTHON] : []), 'python3', '/usr/bin/python3'];
    const python = candidates.find((candidate) => spawnSync(candidate, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0);
    if (python === undefined) return { skipped: "python3 -c 'import torch' fails (apt-get install -y python3-torch libopenblas0-pthread)" };
    const child = spawn(python, [script, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString('utf8'); });
    const reader = createInterface({ input: child.stdout });
    const peer = new PytorchPeer(child, reader[Symbol.asyncIterator](), reader, () => stderr);
    try {
      await peer.next();
    } catch (error) {
      return { skipped: (error as Error).message };
    }
    return peer;
  }

  /** Wall seconds of one forward pass, timed inside Python. */
  async seconds(): Promise<number> {
    this.child.stdin.write('run\n');
    const { seconds } = (await this.next()) as { seconds: number };
    return seconds;
  }

  close(): void {
    this.reader.close();
    this.child.stdin.end();
  }

  private async next(): Promise<unknown> {
    const line = await this.lines.next();
    if (line.done) throw new Error(`${this.child.spawnargs[1]} stopped: ${this.stderr().trim().split('\n').at(-1) ?? 'no message'}`);
    return JSON.parse(line.value) as unknown;
  }
}
