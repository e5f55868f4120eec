// How the server's inference worker spends the cores. In a server, ONNX Runtime shares the machine
// with the HTTP thread (parsing, JSON, the hand-off to the worker), whose cost per request is fixed
// (~0.3 ms here) while the model's grows with its size. What suits a model depends on the ratio.
// Measured on the 2-vCPU development machine, /embed, 64 clients, autocannon on the same cores,
// steady-state requests per second, runs alternated (2026-12-03):
//
//   model (layers × hidden)      FLOPs/token  all cores, spinning  all cores, no spin  one core fewer
//   bert-tiny fixture (2 × 128)     0.8 M       2,800–3,490          3,680–3,910         4,160–4,370
//   2 × 256, random                 3.1 M         880–940            1,050–1,080           780–890
//   4 × 256, random (mini)          6.3 M         530–590              580–590             420–450
//   BERT-base shape (12 × 768)      170 M          43–51               38–43                  –
//
// ORT's idle pool threads spin waiting for the next op; that CPU is what the HTTP thread lacks for
// small models, while for BERT-base the spinning saves more of its own time than it takes. With a
// model as cheap as bert-tiny the HTTP thread's work is about the model's, so it gets a core of its own.
import { availableParallelism } from 'node:os';
import type { BertConfig } from '../../model/config.js';
import type { SessionThreading } from '../../runtime/session.js';

/** Below this, the HTTP thread's work per request is about the model's: it gets a core of its own. */
const SHARES_A_CORE_BELOW_FLOPS = 2e6;
/** Below this, ORT's threads do not spin (between the measured 6.3 M and BERT-base's 170 M). */
const SPINS_FROM_FLOPS = 30e6;

/** Multiply-adds × 2 per token of the encoder's matrix products (attention scores left out: short inputs). */
export function encoderFlopsPerToken(config: Pick<BertConfig, 'num_hidden_layers' | 'hidden_size' | 'intermediate_size'>): number {
  const { num_hidden_layers: layers, hidden_size: hidden, intermediate_size: intermediate } = config;
  return 2 * layers * (4 * hidden * hidden + 2 * hidden * intermediate);
}

/** The worker's threading for `config`; `threads` (the --threads flag) wins over the default core count. */
export function servingThreading(config: BertConfig, threads?: number, cores = availableParallelism()): SessionThreading {
  const flops = encoderFlopsPerToken(config);
  const defaultThreads = flops < SHARES_A_CORE_BELOW_FLOPS ? Math.max(1, cores - 1) : cores;
  return { threads: threads ?? defaultThreads, spinWait: flops >= SPINS_FROM_FLOPS };
}
